//! Invoice documents: the PDF, the signed expiring link a provider fetches
//! it from (`GET /invoices/INV-00001.pdf?expires=…&signature=…`, served by
//! [`crate::http::invoices`]), and the file `campanile chat` writes
//! instead.
//!
//! A link is `HMAC-SHA256(key, "invoice:{number}:{expires}")` in hex, with
//! `expires` in Unix seconds. The key is made once per deployment and kept
//! in the database (`secrets`), so every instance signs and checks the same
//! links with nothing to configure. A wrong or missing signature is 403, an
//! expired link 410, an unknown invoice 404; nothing else is told.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use features::invoices::{Invoice, InvoiceNumber};
use hmac::{Hmac, KeyInit, Mac};
use infra_shop::pdf::{ShopDetails, render_invoice};
use sha2::Sha256;

use crate::services::Invoices;

/// Why a link was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The signature does not match (or is not hex).
    #[error("the link's signature is wrong")]
    BadSignature,
    /// The link is past its time.
    #[error("the link has expired")]
    Expired,
    /// The signing key cannot key an HMAC.
    #[error("the link signing key is unusable")]
    BadKey,
}

/// Errors making an invoice document.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// Reading the invoice failed.
    #[error("cannot read the invoice")]
    Invoice(#[from] features::invoices::InvoiceError),
    /// Rendering failed.
    #[error("cannot render the invoice PDF")]
    Pdf(#[from] infra_shop::pdf::PdfError),
    /// Writing the file failed.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Signs and checks invoice links; cheap to clone.
#[derive(Clone)]
pub struct InvoiceLinks {
    mac: Hmac<Sha256>,
    base: String,
    ttl: Duration,
}

impl std::fmt::Debug for InvoiceLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvoiceLinks")
            .field("base", &self.base)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl InvoiceLinks {
    /// Links under `public_url`, signed with `key`, valid for `ttl`.
    ///
    /// # Errors
    ///
    /// [`LinkError::BadKey`] (HMAC takes keys of any length, so never in
    /// practice).
    pub fn new(key: &[u8], public_url: &str, ttl: Duration) -> Result<Self, LinkError> {
        Ok(Self {
            mac: <Hmac<Sha256> as KeyInit>::new_from_slice(key).map_err(|_| LinkError::BadKey)?,
            base: public_url.trim_end_matches('/').to_owned(),
            ttl,
        })
    }

    fn mac(&self, number: InvoiceNumber, expires: i64) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(format!("invoice:{}:{expires}", number.seq()).as_bytes());
        mac
    }

    /// The link to invoice `number`, valid for the configured time from
    /// `now_ms`.
    #[must_use]
    pub fn url(&self, number: InvoiceNumber, now_ms: i64) -> String {
        let ttl = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX);
        let expires = (now_ms / 1000).saturating_add(ttl);
        let signature = hex::encode(self.mac(number, expires).finalize().into_bytes());
        format!(
            "{}/invoices/{number}.pdf?expires={expires}&signature={signature}",
            self.base
        )
    }

    /// Checks a link's `expires` and `signature` at `now_ms` (in constant
    /// time).
    ///
    /// # Errors
    ///
    /// [`LinkError`].
    pub fn verify(
        &self,
        number: InvoiceNumber,
        expires: i64,
        signature: &str,
        now_ms: i64,
    ) -> Result<(), LinkError> {
        let given = hex::decode(signature).map_err(|_| LinkError::BadSignature)?;
        self.mac(number, expires)
            .verify_slice(&given)
            .map_err(|_| LinkError::BadSignature)?;
        if now_ms / 1000 > expires {
            return Err(LinkError::Expired);
        }
        Ok(())
    }
}

/// Everything needed to make and serve invoice documents; cheap to clone.
#[derive(Debug, Clone)]
pub struct Documents {
    /// Signs the links.
    pub links: InvoiceLinks,
    /// The shop as printed on invoices.
    pub shop: Arc<ShopDetails>,
    /// Where invoices are read.
    pub invoices: Arc<Invoices>,
    /// Where `campanile chat` writes PDFs.
    pub dir: PathBuf,
}

impl Documents {
    /// Invoice `number`, if there is one.
    ///
    /// # Errors
    ///
    /// [`DocumentError::Invoice`].
    pub async fn invoice(&self, number: InvoiceNumber) -> Result<Option<Invoice>, DocumentError> {
        Ok(self
            .invoices
            .get_invoice(features::invoices::GetInvoice { number })
            .await?)
    }

    /// The PDF of `invoice`.
    ///
    /// # Errors
    ///
    /// [`DocumentError::Pdf`].
    pub fn pdf(&self, invoice: &Invoice) -> Result<Vec<u8>, DocumentError> {
        Ok(render_invoice(invoice, &self.shop)?)
    }

    /// Writes the PDF of `invoice` to the invoice directory (made if
    /// missing), replacing an older copy whole; returns its absolute path.
    ///
    /// # Errors
    ///
    /// [`DocumentError::Pdf`], [`DocumentError::Write`].
    pub async fn write_file(&self, invoice: &Invoice) -> Result<PathBuf, DocumentError> {
        let bytes = self.pdf(invoice)?;
        let write_err = |path: &Path| {
            let path = path.to_owned();
            move |source| DocumentError::Write { path, source }
        };
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(write_err(&self.dir))?;
        let dir = tokio::fs::canonicalize(&self.dir)
            .await
            .map_err(write_err(&self.dir))?;
        let path = dir.join(format!("{}.pdf", invoice.number()));
        // Written beside, then renamed: a reader never sees half a file.
        let partial = dir.join(format!(".{}.pdf.partial", invoice.number()));
        tokio::fs::write(&partial, &bytes)
            .await
            .map_err(write_err(&partial))?;
        tokio::fs::rename(&partial, &path)
            .await
            .map_err(write_err(&path))?;
        Ok(path)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn query(url: &str) -> (i64, String) {
        let q = url.split_once('?').unwrap().1;
        let mut expires = 0;
        let mut signature = String::new();
        for pair in q.split('&') {
            match pair.split_once('=').unwrap() {
                ("expires", v) => expires = v.parse().unwrap(),
                ("signature", v) => signature = v.to_owned(),
                _ => {}
            }
        }
        (expires, signature)
    }

    #[test]
    fn a_link_verifies_until_it_expires_and_only_for_its_invoice_and_key() {
        let links = InvoiceLinks::new(
            b"key one",
            "https://bot.example.com/",
            Duration::from_secs(60),
        )
        .unwrap();
        let now = 1_800_000_000_000;
        let url = links.url(InvoiceNumber::new(7), now);
        assert!(
            url.starts_with("https://bot.example.com/invoices/INV-00007.pdf?expires="),
            "{url}"
        );
        let (expires, sig) = query(&url);
        assert_eq!(expires, now / 1000 + 60);
        assert_eq!(
            links.verify(InvoiceNumber::new(7), expires, &sig, now),
            Ok(())
        );
        assert_eq!(
            links.verify(InvoiceNumber::new(7), expires, &sig, now + 61_000),
            Err(LinkError::Expired)
        );
        assert_eq!(
            links.verify(InvoiceNumber::new(8), expires, &sig, now),
            Err(LinkError::BadSignature),
            "another invoice"
        );
        assert_eq!(
            links.verify(InvoiceNumber::new(7), expires + 3600, &sig, now),
            Err(LinkError::BadSignature),
            "a stretched expiry"
        );
        let other = InvoiceLinks::new(
            b"key two",
            "https://bot.example.com",
            Duration::from_secs(60),
        )
        .unwrap();
        assert_eq!(
            other.verify(InvoiceNumber::new(7), expires, &sig, now),
            Err(LinkError::BadSignature),
            "another deployment's key"
        );
        assert_eq!(
            links.verify(InvoiceNumber::new(7), expires, "zz", now),
            Err(LinkError::BadSignature)
        );
    }
}
