//! `campanile invoices show|pay|send`: one invoice (and its PDF), a payment,
//! a new sending.

use std::path::PathBuf;

use anyhow::Context as _;
use features::invoices::{GetInvoice, InvoiceNumber, RecordPayment};
use features::shared::OrderNumber;

use crate::config::Settings;

/// `invoices`' subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print an invoice and a signed link to its PDF; with --pdf, write the
    /// PDF there too.
    Show {
        /// The invoice, e.g. INV-00001.
        number: String,
        /// Write the PDF to this file.
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
    },
    /// Record that an invoice was paid; its reminders are then not sent.
    Pay {
        /// The invoice, e.g. INV-00001.
        number: String,
        /// The payment's reference (UTR, cheque number).
        #[arg(long)]
        reference: String,
    },
    /// Send an invoice to its customer again (a `send-invoice` job).
    Send {
        /// The invoice, e.g. INV-00001.
        number: String,
    },
}

fn invoice_number(text: &str) -> anyhow::Result<InvoiceNumber> {
    InvoiceNumber::parse(text)
        .with_context(|| format!("{text:?} is not an invoice number like INV-00001"))
}

/// Runs an `invoices` subcommand.
///
/// # Errors
///
/// An unknown or malformed invoice number, a payment on an invoice that is
/// not open, a file that cannot be written, or a storage failure.
pub async fn run(settings: Settings, command: Command) -> anyhow::Result<()> {
    super::with_services(settings, async |services| match command {
        Command::Show { number, pdf } => {
            let number = invoice_number(&number)?;
            let invoice = services
                .invoices
                .get_invoice(GetInvoice { number })
                .await?
                .with_context(|| format!("there is no invoice {number}"))?;
            println!(
                "{number}  order {}  customer {}  total {} (taxable {}, CGST {}, SGST {})  status {}",
                OrderNumber::from(invoice.order()),
                invoice.customer().as_str(),
                invoice.total(),
                invoice.taxable(),
                invoice.cgst(),
                invoice.sgst(),
                invoice.status().as_str()
            );
            let now = services.clock.now_ms();
            println!("link: {}", services.documents.links.url(number, now));
            if let Some(path) = pdf {
                let bytes = services.documents.pdf(&invoice)?;
                std::fs::write(&path, bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                println!("PDF written to {}", path.display());
            }
            Ok(())
        }
        Command::Pay { number, reference } => {
            let number = invoice_number(&number)?;
            let paid = services
                .invoices
                .record_payment(RecordPayment {
                    number,
                    reference: reference.clone(),
                })
                .await
                .with_context(|| format!("cannot record the payment of {number}"))?
                .with_context(|| format!("there is no invoice {number}"))?;
            println!(
                "{number} is paid ({}, reference {}); its reminders will not be sent",
                paid.total(),
                reference.trim()
            );
            Ok(())
        }
        Command::Send { number } => {
            let number = invoice_number(&number)?;
            services
                .invoices
                .get_invoice(GetInvoice { number })
                .await?
                .with_context(|| format!("there is no invoice {number}"))?;
            let request = format!("cli-{}", services.clock.now_ms());
            crate::jobs::send_invoice::enqueue(&services.jobs, number, &request)
                .await
                .map_err(|e| anyhow::anyhow!(e))?;
            println!("{number} will be sent by the next worker (`serve` or `worker`)");
            Ok(())
        }
    })
    .await
}
