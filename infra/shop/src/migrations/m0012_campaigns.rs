//! Campaigns and their frozen recipients: one row per campaign (its
//! audience and message as JSON), one per recipient and campaign, kept for
//! good, so nobody is sent a campaign twice.

use sea_orm_migration::prelude::*;

use infra_sql::migrations::columns::{big, big_null, id, text, text_null};

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0012_campaigns"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Campaigns {
    Table,
    Id,
    Name,
    State,
    Audience,
    Message,
    StartAtMs,
    CreatedAtMs,
    StartedAtMs,
    FinishedAtMs,
    UpdatedAtMs,
}

#[derive(DeriveIden, Clone, Copy)]
enum CampaignRecipients {
    Table,
    CampaignId,
    Phone,
    Name,
    LastOrder,
    State,
    AtMs,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Campaigns::Table)
                .if_not_exists()
                .col(id(Campaigns::Id))
                .col(text(Campaigns::Name))
                .col(text(Campaigns::State))
                .col(text(Campaigns::Audience))
                .col(text(Campaigns::Message))
                .col(big_null(Campaigns::StartAtMs))
                .col(big(Campaigns::CreatedAtMs))
                .col(big_null(Campaigns::StartedAtMs))
                .col(big_null(Campaigns::FinishedAtMs))
                .col(big(Campaigns::UpdatedAtMs))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CampaignRecipients::Table)
                .if_not_exists()
                .col(big(CampaignRecipients::CampaignId))
                .col(text(CampaignRecipients::Phone))
                .col(text_null(CampaignRecipients::Name))
                .col(text_null(CampaignRecipients::LastOrder))
                .col(text(CampaignRecipients::State))
                .col(big_null(CampaignRecipients::AtMs))
                .primary_key(
                    Index::create()
                        .col(CampaignRecipients::CampaignId)
                        .col(CampaignRecipients::Phone),
                )
                .to_owned(),
        )
        .await?;
        // A campaign's pending recipients, read in number order by index.
        m.create_index(
            Index::create()
                .name("campaign_recipients_state")
                .table(CampaignRecipients::Table)
                .col(CampaignRecipients::CampaignId)
                .col(CampaignRecipients::State)
                .col(CampaignRecipients::Phone)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
