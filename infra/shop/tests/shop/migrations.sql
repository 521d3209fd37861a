-- m0001_shop_schema (Sqlite)
CREATE TABLE IF NOT EXISTS "shops" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" text NOT NULL, "currency" text NOT NULL, "created_at_ms" integer NOT NULL );
INSERT INTO "shops" ("id", "name", "currency", "created_at_ms") VALUES (?, ?, ?, ?) ON CONFLICT ("id") DO NOTHING;
--   values: [BigInt(Some(1)), String(Some("Campanile Demo Shop")), String(Some("INR")), <now>]
CREATE TABLE IF NOT EXISTS "customers" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "phone" text NOT NULL UNIQUE, "profile_name" text NULL, "first_seen_ms" integer NOT NULL, "last_inbound_ms" integer NOT NULL );
CREATE TABLE IF NOT EXISTS "products" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "sku" text NOT NULL UNIQUE, "name" text NOT NULL, "aliases" text NOT NULL, "unit" text NOT NULL, "price_minor" integer NOT NULL, "currency" text NOT NULL, "stock" integer NULL, "active" boolean NOT NULL, "updated_at_ms" integer NOT NULL );
CREATE TABLE IF NOT EXISTS "orders" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "shop_id" integer NOT NULL, "customer_phone" text NOT NULL, "currency" text NOT NULL, "status" text NOT NULL, "total_minor" integer NOT NULL, "idempotency_key" text NOT NULL UNIQUE, "created_at_ms" integer NOT NULL, "updated_at_ms" integer NOT NULL, FOREIGN KEY ("shop_id") REFERENCES "shops" ("id") );
CREATE INDEX IF NOT EXISTS "orders_by_customer" ON "orders" ("customer_phone", "created_at_ms");
CREATE TABLE IF NOT EXISTS "order_lines" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "order_id" integer NOT NULL, "position" integer NOT NULL, "sku" text NOT NULL, "name" text NOT NULL, "unit" text NOT NULL, "quantity" integer NOT NULL, "unit_price_minor" integer NOT NULL, CONSTRAINT "order_lines_position" UNIQUE ("order_id", "position"), FOREIGN KEY ("order_id") REFERENCES "orders" ("id") ON DELETE CASCADE );
CREATE TABLE IF NOT EXISTS "sessions" ( "key" varchar(512) NOT NULL PRIMARY KEY, "data" blob NULL, "expires_at_ms" integer NOT NULL, "max_fence" integer NOT NULL );
CREATE TABLE IF NOT EXISTS "messages" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "direction" text NOT NULL, "provider" text NOT NULL, "provider_message_id" text NULL, "customer" text NOT NULL, "business" text NOT NULL, "kind" text NOT NULL, "body" text NULL, "status" text NOT NULL, "error" text NULL, "in_reply_to" text NULL, "seq" integer NULL, "request" text NULL, "attempts" integer NOT NULL DEFAULT 0, "next_attempt_at_ms" integer NULL, "claimed_until_ms" integer NULL, "created_at_ms" integer NOT NULL, "updated_at_ms" integer NOT NULL );
CREATE UNIQUE INDEX IF NOT EXISTS "messages_provider_id" ON "messages" ("provider", "direction", "provider_message_id");
CREATE UNIQUE INDEX IF NOT EXISTS "messages_reply_seq" ON "messages" ("direction", "in_reply_to", "seq");
CREATE INDEX IF NOT EXISTS "messages_due" ON "messages" ("status", "next_attempt_at_ms");
CREATE TABLE IF NOT EXISTS "delivery_statuses" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "provider" text NOT NULL, "provider_message_id" text NOT NULL, "status" text NOT NULL, "error" text NULL, "received_at_ms" integer NOT NULL, CONSTRAINT "delivery_statuses_once" UNIQUE ("provider", "provider_message_id", "status") );

-- m0002_inbox (Sqlite)
ALTER TABLE "messages" ADD COLUMN "payload" text NULL;
CREATE INDEX IF NOT EXISTS "messages_conversation_queue" ON "messages" ("direction", "status", "customer", "id");

-- m0003_jobs (Sqlite)
CREATE TABLE IF NOT EXISTS "jobs" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "queue" text NOT NULL, "payload" text NOT NULL, "priority" integer NOT NULL, "run_at_ms" integer NOT NULL, "status" text NOT NULL, "attempts" integer NOT NULL, "claims" integer NOT NULL, "max_attempts" integer NOT NULL, "backoff_kind" text NOT NULL, "backoff_ms" integer NOT NULL, "dedup_id" text NULL, "locked_until_ms" integer NULL, "last_error" text NULL, "created_at_ms" integer NOT NULL, "updated_at_ms" integer NOT NULL );
CREATE UNIQUE INDEX IF NOT EXISTS "jobs_dedup" ON "jobs" ("queue", "dedup_id");
CREATE INDEX IF NOT EXISTS "jobs_due" ON "jobs" ("queue", "status", "priority", "run_at_ms");

-- m0004_invoices (Sqlite)
ALTER TABLE "shops" ADD COLUMN "invoice_seq" integer NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS "invoices" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "shop_id" integer NOT NULL, "number_seq" integer NOT NULL, "order_id" integer NOT NULL, "customer_phone" text NOT NULL, "currency" text NOT NULL, "gstin" text NULL, "issued_at_ms" integer NOT NULL, "due_at_ms" integer NOT NULL, "status" text NOT NULL, "paid_reference" text NULL, "paid_at_ms" integer NULL, "void_reason" text NULL, "total_minor" integer NOT NULL );
CREATE UNIQUE INDEX IF NOT EXISTS "invoices_order" ON "invoices" ("order_id");
CREATE UNIQUE INDEX IF NOT EXISTS "invoices_number" ON "invoices" ("shop_id", "number_seq");
CREATE TABLE IF NOT EXISTS "invoice_lines" ( "invoice_id" integer NOT NULL, "position" integer NOT NULL, "description" text NOT NULL, "quantity" integer NOT NULL, "unit" text NOT NULL, "unit_price_minor" integer NOT NULL, "rate_bp" integer NOT NULL, "taxable_minor" integer NOT NULL, "cgst_minor" integer NOT NULL, "sgst_minor" integer NOT NULL, "total_minor" integer NOT NULL, PRIMARY KEY ("invoice_id", "position") );

-- m0005_reminders (Sqlite)
CREATE TABLE IF NOT EXISTS "reminders" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "customer_phone" text NOT NULL, "kind" text NOT NULL, "invoice_seq" integer NULL, "body" text NULL, "due_at_ms" integer NOT NULL, "status" text NOT NULL, "sent_at_ms" integer NULL, "cancel_reason" text NULL, "created_at_ms" integer NOT NULL );
CREATE UNIQUE INDEX IF NOT EXISTS "reminders_invoice" ON "reminders" ("invoice_seq", "due_at_ms");
CREATE TABLE IF NOT EXISTS "reminder_opt_outs" ( "customer_phone" text NOT NULL PRIMARY KEY, "at_ms" integer NOT NULL );
CREATE TABLE IF NOT EXISTS "secrets" ( "name" text NOT NULL PRIMARY KEY, "value" text NOT NULL );

-- m0006_queue_order (Sqlite)
CREATE INDEX IF NOT EXISTS "messages_queue_order" ON "messages" ("direction", "status", "id");

-- m0007_jobs_order (Sqlite)
CREATE INDEX IF NOT EXISTS "jobs_queue_order" ON "jobs" ("queue", "status", "priority", "run_at_ms", "id");
DROP INDEX IF EXISTS "jobs_due";

-- m0008_send_outcomes (Sqlite)
ALTER TABLE "messages" ADD COLUMN "at_most_once" boolean NOT NULL DEFAULT FALSE;
ALTER TABLE "messages" ADD COLUMN "unknown_outcomes" integer NOT NULL DEFAULT 0;
ALTER TABLE "messages" ADD COLUMN "fallback" text NULL;
CREATE TABLE IF NOT EXISTS "marketing_opt_outs" ( "phone" text NOT NULL PRIMARY KEY, "at_ms" integer NOT NULL, "reason" text NOT NULL );

-- m0009_catalog_sync (Sqlite)
ALTER TABLE "products" ADD COLUMN "source_id" text NULL;
CREATE TABLE IF NOT EXISTS "sync_marks" ( "name" text NOT NULL PRIMARY KEY, "at_ms" integer NOT NULL );

-- m0010_deferred_sends (Sqlite)
ALTER TABLE "messages" ADD COLUMN "not_before_ms" integer NULL;

-- m0011_customers_consent (Sqlite)
CREATE TABLE IF NOT EXISTS "customer_tags" ( "phone" text NOT NULL, "tag" text NOT NULL, "at_ms" integer NOT NULL, PRIMARY KEY ("phone", "tag") );
CREATE INDEX IF NOT EXISTS "customer_tags_tag" ON "customer_tags" ("tag", "phone");
ALTER TABLE "marketing_opt_outs" ADD COLUMN "scope" text NOT NULL DEFAULT 'marketing';
ALTER TABLE "marketing_opt_outs" ADD COLUMN "source" text NOT NULL DEFAULT 'provider';

-- m0012_campaigns (Sqlite)
CREATE TABLE IF NOT EXISTS "campaigns" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" text NOT NULL, "state" text NOT NULL, "audience" text NOT NULL, "message" text NOT NULL, "start_at_ms" integer NULL, "created_at_ms" integer NOT NULL, "started_at_ms" integer NULL, "finished_at_ms" integer NULL, "updated_at_ms" integer NOT NULL );
CREATE TABLE IF NOT EXISTS "campaign_recipients" ( "campaign_id" integer NOT NULL, "phone" text NOT NULL, "name" text NULL, "last_order" text NULL, "state" text NOT NULL, "at_ms" integer NULL, PRIMARY KEY ("campaign_id", "phone") );
CREATE INDEX IF NOT EXISTS "campaign_recipients_state" ON "campaign_recipients" ("campaign_id", "state", "phone");

-- m0013_message_pricing (Sqlite)
CREATE TABLE "message_pricing" ( "provider" text NOT NULL, "provider_message_id" text NOT NULL, "category" text NOT NULL, "model" text NULL, "kind" text NULL, "charged" boolean NOT NULL, "received_at_ms" integer NOT NULL, PRIMARY KEY ("provider", "provider_message_id") );

-- m0014_withdrawn_keys (Sqlite)
CREATE TABLE "withdrawn_keys" ( "prefix" text NOT NULL PRIMARY KEY, "reason" text NOT NULL, "at_ms" integer NOT NULL );

-- m0015_rules (Sqlite)
CREATE TABLE IF NOT EXISTS "rules" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" text NOT NULL, "enabled" integer NOT NULL, "priority" integer NOT NULL, "definition" text NOT NULL, "updated_at_ms" integer NOT NULL );
CREATE UNIQUE INDEX IF NOT EXISTS "rules_name" ON "rules" ("name");
CREATE TABLE IF NOT EXISTS "rule_runs" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "rule" text NOT NULL, "phone" text NOT NULL, "trigger" text NOT NULL, "occurrence" text NOT NULL, "actions" text NOT NULL, "result" text NOT NULL, "detail" text NULL, "at_ms" integer NOT NULL );
CREATE UNIQUE INDEX IF NOT EXISTS "rule_runs_once" ON "rule_runs" ("rule", "phone", "occurrence");
CREATE INDEX IF NOT EXISTS "rule_runs_recent" ON "rule_runs" ("rule", "phone", "at_ms");
CREATE TABLE IF NOT EXISTS "customer_attributes" ( "phone" text NOT NULL, "name" text NOT NULL, "value" text NOT NULL, "at_ms" integer NOT NULL, PRIMARY KEY ("phone", "name") );

-- m0016_handoffs (Sqlite)
CREATE TABLE IF NOT EXISTS "handoffs" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "phone" text NOT NULL, "status" text NOT NULL, "reason" text NOT NULL, "question" text NULL, "opened_at_ms" integer NOT NULL, "last_customer_at_ms" integer NOT NULL, "last_operator_at_ms" integer NULL, "operator" text NULL, "release_reason" text NULL, "released_at_ms" integer NULL );
CREATE UNIQUE INDEX IF NOT EXISTS "handoffs_open" ON "handoffs" ("phone") WHERE "released_at_ms" IS NULL;
CREATE INDEX IF NOT EXISTS "handoffs_phone" ON "handoffs" ("phone", "id");
CREATE INDEX IF NOT EXISTS "handoffs_status" ON "handoffs" ("status", "id");

-- m0017_customer_details (Sqlite)
CREATE TABLE IF NOT EXISTS "customer_details" ( "phone" text NOT NULL PRIMARY KEY, "language" text NULL, "language_offered_at_ms" integer NULL, "name" text NULL, "business" text NULL, "gstin" text NULL, "address" text NULL, "registered_at_ms" integer NULL, "updated_at_ms" integer NOT NULL );

-- m0018_invoice_buyer (Sqlite)
ALTER TABLE "invoices" ADD COLUMN "buyer" text NULL;

-- m0001_shop_schema (Postgres)
CREATE TABLE IF NOT EXISTS "shops" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "name" text NOT NULL, "currency" text NOT NULL, "created_at_ms" bigint NOT NULL );
INSERT INTO "shops" ("id", "name", "currency", "created_at_ms") VALUES ($1, $2, $3, $4) ON CONFLICT ("id") DO NOTHING;
--   values: [BigInt(Some(1)), String(Some("Campanile Demo Shop")), String(Some("INR")), <now>]
CREATE TABLE IF NOT EXISTS "customers" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "phone" text NOT NULL UNIQUE, "profile_name" text NULL, "first_seen_ms" bigint NOT NULL, "last_inbound_ms" bigint NOT NULL );
CREATE TABLE IF NOT EXISTS "products" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "sku" text NOT NULL UNIQUE, "name" text NOT NULL, "aliases" text NOT NULL, "unit" text NOT NULL, "price_minor" bigint NOT NULL, "currency" text NOT NULL, "stock" bigint NULL, "active" bool NOT NULL, "updated_at_ms" bigint NOT NULL );
CREATE TABLE IF NOT EXISTS "orders" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "shop_id" bigint NOT NULL, "customer_phone" text NOT NULL, "currency" text NOT NULL, "status" text NOT NULL, "total_minor" bigint NOT NULL, "idempotency_key" text NOT NULL UNIQUE, "created_at_ms" bigint NOT NULL, "updated_at_ms" bigint NOT NULL, FOREIGN KEY ("shop_id") REFERENCES "shops" ("id") );
CREATE INDEX IF NOT EXISTS "orders_by_customer" ON "orders" ("customer_phone", "created_at_ms");
CREATE TABLE IF NOT EXISTS "order_lines" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "order_id" bigint NOT NULL, "position" integer NOT NULL, "sku" text NOT NULL, "name" text NOT NULL, "unit" text NOT NULL, "quantity" bigint NOT NULL, "unit_price_minor" bigint NOT NULL, CONSTRAINT "order_lines_position" UNIQUE ("order_id", "position"), FOREIGN KEY ("order_id") REFERENCES "orders" ("id") ON DELETE CASCADE );
CREATE TABLE IF NOT EXISTS "sessions" ( "key" varchar(512) NOT NULL PRIMARY KEY, "data" bytea NULL, "expires_at_ms" bigint NOT NULL, "max_fence" bigint NOT NULL );
CREATE TABLE IF NOT EXISTS "messages" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "direction" text NOT NULL, "provider" text NOT NULL, "provider_message_id" text NULL, "customer" text NOT NULL, "business" text NOT NULL, "kind" text NOT NULL, "body" text NULL, "status" text NOT NULL, "error" text NULL, "in_reply_to" text NULL, "seq" integer NULL, "request" text NULL, "attempts" integer NOT NULL DEFAULT 0, "next_attempt_at_ms" bigint NULL, "claimed_until_ms" bigint NULL, "created_at_ms" bigint NOT NULL, "updated_at_ms" bigint NOT NULL );
CREATE UNIQUE INDEX IF NOT EXISTS "messages_provider_id" ON "messages" ("provider", "direction", "provider_message_id");
CREATE UNIQUE INDEX IF NOT EXISTS "messages_reply_seq" ON "messages" ("direction", "in_reply_to", "seq");
CREATE INDEX IF NOT EXISTS "messages_due" ON "messages" ("status", "next_attempt_at_ms");
CREATE TABLE IF NOT EXISTS "delivery_statuses" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "provider" text NOT NULL, "provider_message_id" text NOT NULL, "status" text NOT NULL, "error" text NULL, "received_at_ms" bigint NOT NULL, CONSTRAINT "delivery_statuses_once" UNIQUE ("provider", "provider_message_id", "status") );

-- m0002_inbox (Postgres)
ALTER TABLE "messages" ADD COLUMN "payload" text NULL;
CREATE INDEX IF NOT EXISTS "messages_conversation_queue" ON "messages" ("direction", "status", "customer", "id");

-- m0003_jobs (Postgres)
CREATE TABLE IF NOT EXISTS "jobs" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "queue" text NOT NULL, "payload" text NOT NULL, "priority" bigint NOT NULL, "run_at_ms" bigint NOT NULL, "status" text NOT NULL, "attempts" bigint NOT NULL, "claims" bigint NOT NULL, "max_attempts" bigint NOT NULL, "backoff_kind" text NOT NULL, "backoff_ms" bigint NOT NULL, "dedup_id" text NULL, "locked_until_ms" bigint NULL, "last_error" text NULL, "created_at_ms" bigint NOT NULL, "updated_at_ms" bigint NOT NULL );
CREATE UNIQUE INDEX IF NOT EXISTS "jobs_dedup" ON "jobs" ("queue", "dedup_id");
CREATE INDEX IF NOT EXISTS "jobs_due" ON "jobs" ("queue", "status", "priority", "run_at_ms");

-- m0004_invoices (Postgres)
ALTER TABLE "shops" ADD COLUMN "invoice_seq" bigint NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS "invoices" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "shop_id" bigint NOT NULL, "number_seq" bigint NOT NULL, "order_id" bigint NOT NULL, "customer_phone" text NOT NULL, "currency" text NOT NULL, "gstin" text NULL, "issued_at_ms" bigint NOT NULL, "due_at_ms" bigint NOT NULL, "status" text NOT NULL, "paid_reference" text NULL, "paid_at_ms" bigint NULL, "void_reason" text NULL, "total_minor" bigint NOT NULL );
CREATE UNIQUE INDEX IF NOT EXISTS "invoices_order" ON "invoices" ("order_id");
CREATE UNIQUE INDEX IF NOT EXISTS "invoices_number" ON "invoices" ("shop_id", "number_seq");
CREATE TABLE IF NOT EXISTS "invoice_lines" ( "invoice_id" bigint NOT NULL, "position" integer NOT NULL, "description" text NOT NULL, "quantity" bigint NOT NULL, "unit" text NOT NULL, "unit_price_minor" bigint NOT NULL, "rate_bp" bigint NOT NULL, "taxable_minor" bigint NOT NULL, "cgst_minor" bigint NOT NULL, "sgst_minor" bigint NOT NULL, "total_minor" bigint NOT NULL, PRIMARY KEY ("invoice_id", "position") );

-- m0005_reminders (Postgres)
CREATE TABLE IF NOT EXISTS "reminders" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "customer_phone" text NOT NULL, "kind" text NOT NULL, "invoice_seq" bigint NULL, "body" text NULL, "due_at_ms" bigint NOT NULL, "status" text NOT NULL, "sent_at_ms" bigint NULL, "cancel_reason" text NULL, "created_at_ms" bigint NOT NULL );
CREATE UNIQUE INDEX IF NOT EXISTS "reminders_invoice" ON "reminders" ("invoice_seq", "due_at_ms");
CREATE TABLE IF NOT EXISTS "reminder_opt_outs" ( "customer_phone" text NOT NULL PRIMARY KEY, "at_ms" bigint NOT NULL );
CREATE TABLE IF NOT EXISTS "secrets" ( "name" text NOT NULL PRIMARY KEY, "value" text NOT NULL );

-- m0006_queue_order (Postgres)
CREATE INDEX IF NOT EXISTS "messages_queue_order" ON "messages" ("direction", "status", "id");

-- m0007_jobs_order (Postgres)
CREATE INDEX IF NOT EXISTS "jobs_queue_order" ON "jobs" ("queue", "status", "priority", "run_at_ms", "id");
DROP INDEX IF EXISTS "jobs_due";

-- m0008_send_outcomes (Postgres)
ALTER TABLE "messages" ADD COLUMN "at_most_once" bool NOT NULL DEFAULT FALSE;
ALTER TABLE "messages" ADD COLUMN "unknown_outcomes" integer NOT NULL DEFAULT 0;
ALTER TABLE "messages" ADD COLUMN "fallback" text NULL;
CREATE TABLE IF NOT EXISTS "marketing_opt_outs" ( "phone" text NOT NULL PRIMARY KEY, "at_ms" bigint NOT NULL, "reason" text NOT NULL );

-- m0009_catalog_sync (Postgres)
ALTER TABLE "products" ADD COLUMN "source_id" text NULL;
CREATE TABLE IF NOT EXISTS "sync_marks" ( "name" text NOT NULL PRIMARY KEY, "at_ms" bigint NOT NULL );

-- m0010_deferred_sends (Postgres)
ALTER TABLE "messages" ADD COLUMN "not_before_ms" bigint NULL;

-- m0011_customers_consent (Postgres)
CREATE TABLE IF NOT EXISTS "customer_tags" ( "phone" text NOT NULL, "tag" text NOT NULL, "at_ms" bigint NOT NULL, PRIMARY KEY ("phone", "tag") );
CREATE INDEX IF NOT EXISTS "customer_tags_tag" ON "customer_tags" ("tag", "phone");
ALTER TABLE "marketing_opt_outs" ADD COLUMN "scope" text NOT NULL DEFAULT 'marketing';
ALTER TABLE "marketing_opt_outs" ADD COLUMN "source" text NOT NULL DEFAULT 'provider';

-- m0012_campaigns (Postgres)
CREATE TABLE IF NOT EXISTS "campaigns" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "name" text NOT NULL, "state" text NOT NULL, "audience" text NOT NULL, "message" text NOT NULL, "start_at_ms" bigint NULL, "created_at_ms" bigint NOT NULL, "started_at_ms" bigint NULL, "finished_at_ms" bigint NULL, "updated_at_ms" bigint NOT NULL );
CREATE TABLE IF NOT EXISTS "campaign_recipients" ( "campaign_id" bigint NOT NULL, "phone" text NOT NULL, "name" text NULL, "last_order" text NULL, "state" text NOT NULL, "at_ms" bigint NULL, PRIMARY KEY ("campaign_id", "phone") );
CREATE INDEX IF NOT EXISTS "campaign_recipients_state" ON "campaign_recipients" ("campaign_id", "state", "phone");

-- m0013_message_pricing (Postgres)
CREATE TABLE "message_pricing" ( "provider" text NOT NULL, "provider_message_id" text NOT NULL, "category" text NOT NULL, "model" text NULL, "kind" text NULL, "charged" bool NOT NULL, "received_at_ms" bigint NOT NULL, PRIMARY KEY ("provider", "provider_message_id") );

-- m0014_withdrawn_keys (Postgres)
CREATE TABLE "withdrawn_keys" ( "prefix" text NOT NULL PRIMARY KEY, "reason" text NOT NULL, "at_ms" bigint NOT NULL );

-- m0015_rules (Postgres)
CREATE TABLE IF NOT EXISTS "rules" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "name" text NOT NULL, "enabled" bigint NOT NULL, "priority" bigint NOT NULL, "definition" text NOT NULL, "updated_at_ms" bigint NOT NULL );
CREATE UNIQUE INDEX IF NOT EXISTS "rules_name" ON "rules" ("name");
CREATE TABLE IF NOT EXISTS "rule_runs" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "rule" text NOT NULL, "phone" text NOT NULL, "trigger" text NOT NULL, "occurrence" text NOT NULL, "actions" text NOT NULL, "result" text NOT NULL, "detail" text NULL, "at_ms" bigint NOT NULL );
CREATE UNIQUE INDEX IF NOT EXISTS "rule_runs_once" ON "rule_runs" ("rule", "phone", "occurrence");
CREATE INDEX IF NOT EXISTS "rule_runs_recent" ON "rule_runs" ("rule", "phone", "at_ms");
CREATE TABLE IF NOT EXISTS "customer_attributes" ( "phone" text NOT NULL, "name" text NOT NULL, "value" text NOT NULL, "at_ms" bigint NOT NULL, PRIMARY KEY ("phone", "name") );

-- m0016_handoffs (Postgres)
CREATE TABLE IF NOT EXISTS "handoffs" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "phone" text NOT NULL, "status" text NOT NULL, "reason" text NOT NULL, "question" text NULL, "opened_at_ms" bigint NOT NULL, "last_customer_at_ms" bigint NOT NULL, "last_operator_at_ms" bigint NULL, "operator" text NULL, "release_reason" text NULL, "released_at_ms" bigint NULL );
CREATE UNIQUE INDEX IF NOT EXISTS "handoffs_open" ON "handoffs" ("phone") WHERE "released_at_ms" IS NULL;
CREATE INDEX IF NOT EXISTS "handoffs_phone" ON "handoffs" ("phone", "id");
CREATE INDEX IF NOT EXISTS "handoffs_status" ON "handoffs" ("status", "id");

-- m0017_customer_details (Postgres)
CREATE TABLE IF NOT EXISTS "customer_details" ( "phone" text NOT NULL PRIMARY KEY, "language" text NULL, "language_offered_at_ms" bigint NULL, "name" text NULL, "business" text NULL, "gstin" text NULL, "address" text NULL, "registered_at_ms" bigint NULL, "updated_at_ms" bigint NOT NULL );

-- m0018_invoice_buyer (Postgres)
ALTER TABLE "invoices" ADD COLUMN "buyer" text NULL;

