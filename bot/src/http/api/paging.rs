//! Paged lists: `limit` (default [`DEFAULT_LIMIT`], at most [`MAX_LIMIT`])
//! and `cursor` (the `next_cursor` of the page before) in the query, a
//! [`Page`] in the answer.
//!
//! A cursor is opaque to clients. Lists ordered by an id (orders,
//! invoices, messages) use the last id of the page, so a page does not
//! shift when new rows arrive; short lists with no such id (dead jobs,
//! products) use an offset.

use serde::Serialize;
use utoipa::ToSchema;

use super::problem::ApiError;

/// Items per page when `limit` is not given.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest `limit`.
pub const MAX_LIMIT: u32 = 500;

/// A page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Page<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// The `cursor` of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A validated `limit` and `cursor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// Items per page.
    pub limit: u32,
    /// The cursor's position: the last id of the page before (keyset
    /// lists), or how many items come before this page (offset lists).
    pub after: Option<u64>,
}

impl Paging {
    /// Checks the query's `limit` and `cursor`.
    ///
    /// # Errors
    ///
    /// [`ApiError::Invalid`] naming `limit` (outside 1 to [`MAX_LIMIT`]) or
    /// `cursor` (not a cursor this API gave).
    pub fn new(limit: Option<u32>, cursor: Option<&str>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid(
                "limit",
                format!("must be from 1 to {MAX_LIMIT}"),
            ));
        }
        let after = match cursor {
            None => None,
            Some(text) => Some(
                text.parse::<u64>()
                    .ok()
                    .filter(|n| i64::try_from(*n).is_ok())
                    .ok_or_else(|| {
                        ApiError::invalid("cursor", "not a cursor: pass a page's next_cursor")
                    })?,
            ),
        };
        Ok(Self { limit, after })
    }

    /// How many items to fetch: one more than the page, to tell whether
    /// another page follows.
    #[must_use]
    pub fn fetch(&self) -> u32 {
        self.limit + 1
    }

    /// The cursor as a keyset bound (`before` id), if any. A cursor of 0
    /// names no row, so nothing comes before it either.
    #[must_use]
    pub fn before(&self) -> Option<i64> {
        self.after.and_then(|n| i64::try_from(n).ok())
    }

    /// The cursor as an offset (0 without one).
    #[must_use]
    pub fn offset(&self) -> usize {
        self.after
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
    }

    /// A page of a keyset list from `fetched` (up to [`fetch`](Self::fetch)
    /// items, in list order): the next cursor is the `key` of the page's
    /// last item when more follow.
    pub fn keyset<T, U>(
        &self,
        fetched: Vec<T>,
        key: impl Fn(&T) -> i64,
        view: impl Fn(T) -> U,
    ) -> Page<U> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let more = fetched.len() > limit;
        let mut items = fetched;
        items.truncate(limit);
        let next_cursor = if more {
            items.last().map(|last| key(last).to_string())
        } else {
            None
        };
        Page {
            items: items.into_iter().map(view).collect(),
            next_cursor,
        }
    }

    /// A page of an offset list from the whole list `all`.
    pub fn slice<T, U>(&self, all: Vec<T>, view: impl Fn(T) -> U) -> Page<U> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let offset = self.offset();
        let more = all.len() > offset.saturating_add(limit);
        let items: Vec<U> = all.into_iter().skip(offset).take(limit).map(view).collect();
        Page {
            items,
            next_cursor: more.then(|| (offset + limit).to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_and_cursor_are_checked() {
        assert_eq!(Paging::new(None, None).unwrap().limit, DEFAULT_LIMIT);
        for bad in [0, MAX_LIMIT + 1] {
            let e = Paging::new(Some(bad), None).unwrap_err();
            assert_eq!(e.problem().errors[0].field, "limit");
        }
        for bad in ["x", "-1", "", "99999999999999999999"] {
            let e = Paging::new(None, Some(bad)).unwrap_err();
            assert_eq!(e.problem().errors[0].field, "cursor", "{bad}");
        }
        assert_eq!(Paging::new(Some(2), Some("7")).unwrap().before(), Some(7));
    }

    #[test]
    fn a_keyset_page_points_at_its_last_item_when_more_follow() {
        let paging = Paging::new(Some(2), None).unwrap();
        let page = paging.keyset(vec![9, 8, 7], |n| *n, |n| n);
        assert_eq!(page.items, [9, 8]);
        assert_eq!(page.next_cursor.as_deref(), Some("8"));
        let last = paging.keyset(vec![2, 1], |n| *n, |n| n);
        assert_eq!(last.next_cursor, None);
    }

    #[test]
    fn an_offset_page_counts_what_came_before() {
        let first = Paging::new(Some(2), None)
            .unwrap()
            .slice(vec![1, 2, 3], |n| n);
        assert_eq!(
            (first.items, first.next_cursor.as_deref()),
            (vec![1, 2], Some("2"))
        );
        let second = Paging::new(Some(2), Some("2"))
            .unwrap()
            .slice(vec![1, 2, 3], |n| n);
        assert_eq!((second.items, second.next_cursor), (vec![3], None));
    }
}
