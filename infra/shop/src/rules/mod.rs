//! The rules' storage: [`DbRuleRepository`] (the rules as written and
//! their run log) and [`DbRuleSubjects`] (what the shop knows of each
//! customer, and their past messages for a dry run).

mod subjects;

pub use subjects::DbRuleSubjects;

use std::collections::BTreeMap;

use features::rules::{RuleRepository, RuleSpec, RunCounts, RunRecord, RunResult, StoredRule};
use features::shared::{CustomerPhone, RepositoryError};
use infra_sql::Database;
use sea_orm::sea_query::{Expr, ExprTrait as _, Func, OnConflict, Order, Query};

use crate::products::repo_error;
use crate::schema::{RuleRuns, Rules};

/// The rules and their run log in the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct DbRuleRepository {
    db: Database,
}

impl DbRuleRepository {
    /// The rules in `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

fn corrupt(what: impl std::fmt::Display) -> RepositoryError {
    RepositoryError::Corrupt(what.to_string())
}

fn rule_of(row: &sea_orm::QueryResult) -> Result<StoredRule, RepositoryError> {
    let definition: String = row.try_get("", "definition").map_err(repo_error)?;
    let spec: RuleSpec = serde_json::from_str(&definition)
        .map_err(|e| corrupt(format!("rule definition {definition:?}: {e}")))?;
    Ok(StoredRule {
        id: row.try_get("", "id").map_err(repo_error)?,
        spec,
        updated_ms: row.try_get("", "updated_at_ms").map_err(repo_error)?,
    })
}

fn run_of(row: &sea_orm::QueryResult) -> Result<RunRecord, RepositoryError> {
    let text = |c: &str| row.try_get::<String>("", c).map_err(repo_error);
    let phone = text("phone")?;
    let detail: Option<String> = row.try_get("", "detail").map_err(repo_error)?;
    let result = match (text("result")?.as_str(), detail) {
        ("done", _) => RunResult::Done,
        ("skipped", why) => RunResult::Skipped(why.unwrap_or_default()),
        ("failed", why) => RunResult::Failed(why.unwrap_or_default()),
        (other, _) => return Err(corrupt(format!("run result {other:?}"))),
    };
    let actions = text("actions")?;
    Ok(RunRecord {
        rule: text("rule")?,
        customer: CustomerPhone::parse(&phone)
            .map_err(|e| corrupt(format!("run of {phone:?}: {e}")))?,
        trigger: text("trigger")?,
        occurrence: text("occurrence")?,
        actions: serde_json::from_str(&actions)
            .map_err(|e| corrupt(format!("run actions {actions:?}: {e}")))?,
        result,
        at_ms: row.try_get("", "at_ms").map_err(repo_error)?,
    })
}

const RULE_COLUMNS: [Rules; 3] = [Rules::Id, Rules::Definition, Rules::UpdatedAtMs];

const RUN_COLUMNS: [RuleRuns; 8] = [
    RuleRuns::Rule,
    RuleRuns::Phone,
    RuleRuns::Trigger,
    RuleRuns::Occurrence,
    RuleRuns::Actions,
    RuleRuns::Result,
    RuleRuns::Detail,
    RuleRuns::AtMs,
];

impl RuleRepository for DbRuleRepository {
    async fn save(&self, spec: &RuleSpec, now_ms: i64) -> Result<i64, RepositoryError> {
        let definition = serde_json::to_string(spec).map_err(|e| corrupt(e.to_string()))?;
        let insert = Query::insert()
            .into_table(Rules::Table)
            .columns([
                Rules::Name,
                Rules::Enabled,
                Rules::Priority,
                Rules::Definition,
                Rules::UpdatedAtMs,
            ])
            .values([
                spec.name.clone().into(),
                i64::from(spec.enabled).into(),
                i64::from(spec.priority).into(),
                definition.into(),
                now_ms.into(),
            ])
            .map_err(|e| corrupt(e.to_string()))?
            .on_conflict(
                OnConflict::column(Rules::Name)
                    .update_columns([
                        Rules::Enabled,
                        Rules::Priority,
                        Rules::Definition,
                        Rules::UpdatedAtMs,
                    ])
                    .to_owned(),
            )
            .returning_col(Rules::Id)
            .to_owned();
        let row = self
            .db
            .one(&insert)
            .await
            .map_err(repo_error)?
            .ok_or_else(|| corrupt("an insert returned no id"))?;
        row.try_get("", "id").map_err(repo_error)
    }

    async fn get(&self, name: &str) -> Result<Option<StoredRule>, RepositoryError> {
        let select = Query::select()
            .columns(RULE_COLUMNS)
            .from(Rules::Table)
            .and_where(Expr::col(Rules::Name).eq(name))
            .to_owned();
        let row = self.db.one(&select).await.map_err(repo_error)?;
        row.as_ref().map(rule_of).transpose()
    }

    async fn list(&self) -> Result<Vec<StoredRule>, RepositoryError> {
        let select = Query::select()
            .columns(RULE_COLUMNS)
            .from(Rules::Table)
            .order_by(Rules::Name, Order::Asc)
            .to_owned();
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        rows.iter().map(rule_of).collect()
    }

    async fn delete(&self, name: &str) -> Result<bool, RepositoryError> {
        let delete = Query::delete()
            .from_table(Rules::Table)
            .and_where(Expr::col(Rules::Name).eq(name))
            .to_owned();
        Ok(self.db.exec(&delete).await.map_err(repo_error)? > 0)
    }

    async fn record_run(&self, run: &RunRecord) -> Result<bool, RepositoryError> {
        let actions = serde_json::to_string(&run.actions).map_err(|e| corrupt(e.to_string()))?;
        let insert = Query::insert()
            .into_table(RuleRuns::Table)
            .columns(RUN_COLUMNS)
            .values([
                run.rule.clone().into(),
                run.customer.as_str().into(),
                run.trigger.clone().into(),
                run.occurrence.clone().into(),
                actions.into(),
                run.result.as_str().into(),
                run.result.detail().map(str::to_owned).into(),
                run.at_ms.into(),
            ])
            .map_err(|e| corrupt(e.to_string()))?
            .on_conflict(
                OnConflict::columns([RuleRuns::Rule, RuleRuns::Phone, RuleRuns::Occurrence])
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        Ok(self.db.exec(&insert).await.map_err(repo_error)? == 1)
    }

    async fn runs_since(
        &self,
        rule: &str,
        customer: &CustomerPhone,
        since_ms: i64,
    ) -> Result<u32, RepositoryError> {
        let select = Query::select()
            .expr_as(Func::count(Expr::col(RuleRuns::Id)), "n")
            .from(RuleRuns::Table)
            .and_where(Expr::col(RuleRuns::Rule).eq(rule))
            .and_where(Expr::col(RuleRuns::Phone).eq(customer.as_str()))
            .and_where(Expr::col(RuleRuns::AtMs).gt(since_ms))
            .and_where(Expr::col(RuleRuns::Result).eq("done"))
            .to_owned();
        let row = self.db.one(&select).await.map_err(repo_error)?;
        let n: i64 = match row {
            Some(row) => row.try_get("", "n").map_err(repo_error)?,
            None => 0,
        };
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn set_result(
        &self,
        rule: &str,
        customer: &CustomerPhone,
        occurrence: &str,
        result: &RunResult,
    ) -> Result<(), RepositoryError> {
        let update = Query::update()
            .table(RuleRuns::Table)
            .values([
                (RuleRuns::Result, result.as_str().into()),
                (RuleRuns::Detail, result.detail().map(str::to_owned).into()),
            ])
            .and_where(Expr::col(RuleRuns::Rule).eq(rule))
            .and_where(Expr::col(RuleRuns::Phone).eq(customer.as_str()))
            .and_where(Expr::col(RuleRuns::Occurrence).eq(occurrence))
            .to_owned();
        self.db.exec(&update).await.map_err(repo_error)?;
        Ok(())
    }

    async fn counts(&self) -> Result<BTreeMap<String, RunCounts>, RepositoryError> {
        let select = Query::select()
            .columns([RuleRuns::Rule, RuleRuns::Result])
            .expr_as(Func::count(Expr::col(RuleRuns::Id)), "n")
            .from(RuleRuns::Table)
            .group_by_columns([RuleRuns::Rule, RuleRuns::Result])
            .to_owned();
        let mut out: BTreeMap<String, RunCounts> = BTreeMap::new();
        for row in self.db.all(&select).await.map_err(repo_error)? {
            let rule: String = row.try_get("", "rule").map_err(repo_error)?;
            let result: String = row.try_get("", "result").map_err(repo_error)?;
            let n: i64 = row.try_get("", "n").map_err(repo_error)?;
            let n = u64::try_from(n).unwrap_or_default();
            let counts = out.entry(rule).or_default();
            match result.as_str() {
                "done" => counts.succeeded += n,
                "skipped" => counts.skipped += n,
                "failed" => counts.failed += n,
                other => return Err(corrupt(format!("run result {other:?}"))),
            }
        }
        Ok(out)
    }

    async fn runs(&self, rule: &str, limit: u32) -> Result<Vec<RunRecord>, RepositoryError> {
        let select = Query::select()
            .columns(RUN_COLUMNS)
            .from(RuleRuns::Table)
            .and_where(Expr::col(RuleRuns::Rule).eq(rule))
            .order_by(RuleRuns::Id, Order::Desc)
            .limit(u64::from(limit))
            .to_owned();
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        rows.iter().map(run_of).collect()
    }
}
