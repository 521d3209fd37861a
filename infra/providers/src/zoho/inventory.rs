//! Reading the products: `GET /crm/v8/Products`, page by page.

use super::client::{ApiRequest, ZohoClient};
use super::error::ZohoError;
use super::token::TokenStore;
use super::wire;

/// The fields asked for (Zoho requires `fields`).
const FIELDS: &str = "Product_Name,Product_Code,Unit_Price,Qty_in_Stock,Product_Active";

/// Records per page: Zoho's most.
pub const PER_PAGE: u32 = 200;

/// How far `page` reaches: beyond, Zoho answers
/// `DISCRETE_PAGINATION_LIMIT_EXCEEDED` and only `page_token` goes on (up to
/// 100,000 records).
pub const DISCRETE_PAGING_LIMIT: u32 = 2_000;

/// A product as the shop sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// Zoho's record id.
    pub id: String,
    /// `Product_Name`.
    pub name: String,
    /// `Product_Code` (the SKU), when set.
    pub code: Option<String>,
    /// `Unit_Price` in hundredths of the org's currency, read exactly;
    /// `None` when unset or not a plain decimal with at most two decimals.
    pub unit_price_hundredths: Option<i64>,
    /// `Qty_in_Stock`, when set (Zoho allows fractions: kilograms, metres).
    pub qty_in_stock: Option<f64>,
    /// `Product_Active`; `false` when Zoho does not say.
    pub active: bool,
}

impl From<wire::ProductRecord> for Product {
    fn from(record: wire::ProductRecord) -> Self {
        Self {
            unit_price_hundredths: record.unit_price.as_ref().and_then(wire::hundredths),
            id: record.id,
            name: record.product_name.unwrap_or_default(),
            code: record.product_code.filter(|c| !c.is_empty()),
            qty_in_stock: record.qty_in_stock,
            active: record.product_active.unwrap_or(false),
        }
    }
}

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cursor {
    Page(u32),
    Token(String),
}

/// The products, one page at a time, so a caller can show progress; from
/// [`ZohoClient::inventory`].
///
/// Pages go by `page` for the first 2,000 records, then by the
/// `page_token` Zoho gives in `info.next_page_token`.
#[derive(Debug)]
pub struct InventoryPages<S> {
    client: ZohoClient<S>,
    next: Option<Cursor>,
    fetched: usize,
}

impl<S: TokenStore> InventoryPages<S> {
    /// The next page's products, or `None` once every page was read (an
    /// empty inventory has no page: Zoho answers 204).
    ///
    /// # Errors
    ///
    /// [`ZohoError`] from the call; the same page is asked again on the
    /// next call, so a caller may retry a [retryable](ZohoError::is_retryable)
    /// error.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Product>>, ZohoError> {
        let Some(cursor) = self.next.clone() else {
            return Ok(None);
        };
        let mut query = vec![
            ("fields", FIELDS.to_owned()),
            ("per_page", PER_PAGE.to_string()),
        ];
        match &cursor {
            Cursor::Page(page) => query.push(("page", page.to_string())),
            Cursor::Token(token) => query.push(("page_token", token.clone())),
        }
        let reply = self
            .client
            .call(ApiRequest {
                method: reqwest::Method::GET,
                path: "/Products".to_owned(),
                query,
                body: None,
                write: false,
            })
            .await?;
        if reply.status == 204 || reply.body.is_empty() {
            self.next = None;
            return Ok(None);
        }
        let page: wire::RecordsPage =
            serde_json::from_slice(&reply.body).map_err(|e| ZohoError::Permanent {
                status: reply.status,
                code: "UNREADABLE_ANSWER".to_owned(),
                message: format!("the products page is not what Zoho sends: {e}"),
            })?;
        self.next = next_cursor(&cursor, &page.info)?;
        let products: Vec<Product> = page.data.into_iter().map(Product::from).collect();
        self.fetched += products.len();
        Ok(Some(products))
    }

    /// Products read so far.
    #[must_use]
    pub fn fetched(&self) -> usize {
        self.fetched
    }
}

/// Where to go after `cursor`: the next `page` while it stays within the
/// first 2,000 records, then the page token.
fn next_cursor(cursor: &Cursor, info: &wire::PageInfo) -> Result<Option<Cursor>, ZohoError> {
    if !info.more_records {
        return Ok(None);
    }
    if let Cursor::Page(page) = cursor
        && (page + 1) * PER_PAGE <= DISCRETE_PAGING_LIMIT
    {
        return Ok(Some(Cursor::Page(page + 1)));
    }
    match &info.next_page_token {
        Some(token) if !token.is_empty() => Ok(Some(Cursor::Token(token.clone()))),
        _ => Err(ZohoError::Permanent {
            status: 200,
            code: "NO_PAGE_TOKEN".to_owned(),
            message: "zoho says more records follow but gave no next_page_token".to_owned(),
        }),
    }
}

impl<S: TokenStore> ZohoClient<S> {
    /// The products, page by page (see [`InventoryPages`]).
    #[must_use]
    pub fn inventory(&self) -> InventoryPages<S> {
        InventoryPages {
            client: self.clone(),
            next: Some(Cursor::Page(1)),
            fetched: 0,
        }
    }

    /// Every product: `GET /crm/v8/Products` with the fields we read, 200 a
    /// page, until Zoho says there are no more.
    ///
    /// # Errors
    ///
    /// The first [`ZohoError`] of any page.
    pub async fn fetch_inventory(&self) -> Result<Vec<Product>, ZohoError> {
        let mut pages = self.inventory();
        let mut products = Vec::new();
        while let Some(page) = pages.next_page().await? {
            products.extend(page);
        }
        Ok(products)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(more_records: bool, token: Option<&str>) -> wire::PageInfo {
        wire::PageInfo {
            more_records,
            next_page_token: token.map(str::to_owned),
        }
    }

    #[test]
    fn pages_then_tokens() {
        let more = info(true, Some("t"));
        assert_eq!(
            next_cursor(&Cursor::Page(1), &more).unwrap(),
            Some(Cursor::Page(2))
        );
        assert_eq!(
            next_cursor(&Cursor::Page(9), &more).unwrap(),
            Some(Cursor::Page(10))
        );
        assert_eq!(
            next_cursor(&Cursor::Page(10), &more).unwrap(),
            Some(Cursor::Token("t".to_owned()))
        );
        assert_eq!(
            next_cursor(&Cursor::Token("a".to_owned()), &more).unwrap(),
            Some(Cursor::Token("t".to_owned()))
        );
        assert_eq!(
            next_cursor(&Cursor::Page(3), &info(false, None)).unwrap(),
            None
        );
        assert!(next_cursor(&Cursor::Page(10), &info(true, None)).is_err());
    }
}
