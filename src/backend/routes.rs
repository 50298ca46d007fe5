//! Reading every route of a TGW route table.
//!
//! `SearchTransitGatewayRoutes` answers at most 1000 routes, has no page token, and
//! only says `AdditionalRoutesAvailable`. A table can hold 10,000 routes. So when an
//! answer is cut short, the address space is split in quarters
//! (`route-search.subnet-of-match`) until every piece answers completely; the prefix
//! that was split is asked for exactly (`route-search.exact-match`), since no quarter
//! contains it. Quarters, not halves: two bits a level for five searches (halves take
//! three a bit), so half as many levels for fewer searches.
//!
//! Prefix-list routes have no CIDR to split on: when the table is too large for one
//! answer they are read as prefix-list references ([`RouteQuery::PrefixLists`]).
//!
//! The searches of one split level are sent together: the depth of the split, not
//! the number of searches, sets how many round trips a table takes one after another.

use std::collections::BTreeMap;
use std::future::Future;

use super::{BackendError, RouteQuery};
use crate::model::{Destination, TgwRoute};

/// The most routes one search answers.
pub const SEARCH_LIMIT: usize = 1000;

/// Reads every route through `search`, splitting as needed. Routes are returned
/// sorted by destination, each destination once. The pieces of one split level are
/// asked at once (a level's answers decide the next level), so a table of 10,000
/// routes takes as many round trips one after another as the split is deep, not as
/// many as it has searches.
///
/// # Errors
/// The first search error, unchanged: a half-read table is never passed off as whole.
pub async fn read_all_routes<F, Fut>(search: F) -> Result<Vec<TgwRoute>, BackendError>
where
    F: Fn(RouteQuery) -> Fut,
    Fut: Future<Output = Result<super::RoutePage, BackendError>>,
{
    let mut found: BTreeMap<Destination, TgwRoute> = BTreeMap::new();
    let first = search(RouteQuery::All).await?;
    let truncated = first.additional_routes_available;
    collect(&mut found, first.routes);
    if !truncated {
        return Ok(found.into_values().collect());
    }

    let mut level: Vec<RouteQuery> = vec![
        RouteQuery::PrefixLists,
        RouteQuery::SubnetOf("0.0.0.0/0".parse().map_err(parse_bug)?),
        RouteQuery::SubnetOf("::/0".parse().map_err(parse_bug)?),
    ];
    while !level.is_empty() {
        let pages = futures::future::try_join_all(level.iter().map(|q| search(*q))).await?;
        let mut next = Vec::new();
        for (query, page) in level.iter().zip(pages) {
            let more = page.additional_routes_available;
            collect(&mut found, page.routes);
            let RouteQuery::SubnetOf(net) = *query else {
                continue;
            };
            if !more || net.prefix_len() == net.max_prefix_len() {
                continue;
            }
            // The prefix that was split is asked for exactly: no quarter holds it.
            next.push(RouteQuery::Exact(net));
            let step = if net.max_prefix_len() - net.prefix_len() >= 2 {
                2
            } else {
                1
            };
            if let Ok(parts) = net.subnets(net.prefix_len() + step) {
                next.extend(parts.map(RouteQuery::SubnetOf));
            }
        }
        level = next;
    }
    Ok(found.into_values().collect())
}

fn collect(found: &mut BTreeMap<Destination, TgwRoute>, routes: Vec<TgwRoute>) {
    for route in routes {
        found.entry(route.destination.clone()).or_insert(route);
    }
}

fn parse_bug(e: ipnet::AddrParseError) -> BackendError {
    BackendError::new(
        super::ErrorKind::Other,
        format!("internal: bad constant CIDR: {e}"),
    )
}

/// Answers a [`RouteQuery`] over an in-memory table the way the API does: matching
/// routes in destination order, cut at [`SEARCH_LIMIT`]. Used by the simulator.
#[must_use]
pub fn answer_query(routes: &[TgwRoute], query: RouteQuery) -> super::RoutePage {
    let mut matching: Vec<&TgwRoute> = routes
        .iter()
        .filter(|r| match (query, &r.destination) {
            (RouteQuery::All, _) => true,
            (RouteQuery::SubnetOf(net), Destination::Cidr(c)) => net.contains(c),
            (RouteQuery::Exact(net), Destination::Cidr(c)) => net == *c,
            (RouteQuery::PrefixLists, Destination::PrefixList(_)) => true,
            (RouteQuery::PrefixLists, Destination::Cidr(_)) | (_, Destination::PrefixList(_)) => {
                false
            }
        })
        .collect();
    matching.sort_by(|a, b| a.destination.cmp(&b.destination));
    let additional = matching.len() > SEARCH_LIMIT;
    super::RoutePage {
        routes: matching.into_iter().take(SEARCH_LIMIT).cloned().collect(),
        additional_routes_available: additional,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::RoutePage;
    use crate::model::{RouteState, RouteType};
    use std::cell::Cell;

    fn table(n: u32) -> Vec<TgwRoute> {
        let mut routes: Vec<TgwRoute> = (0..n)
            .map(|i| TgwRoute {
                derived: false,
                route_table_id: "tgw-rtb-1".into(),
                region: "us-east-1".into(),
                destination: Destination::Cidr(
                    format!("10.{}.{}.0/24", i / 256, i % 256)
                        .parse()
                        .expect("cidr"),
                ),
                route_type: RouteType::Static,
                state: RouteState::Active,
                targets: vec![],
                prefix_list_id: None,
            })
            .collect();
        for extra in ["0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/16", "fd00::/8"] {
            routes.push(TgwRoute {
                destination: Destination::Cidr(extra.parse().expect("cidr")),
                ..routes[0].clone()
            });
        }
        routes.push(TgwRoute {
            destination: Destination::PrefixList("pl-0123".into()),
            ..routes[0].clone()
        });
        routes
    }

    #[tokio::test]
    async fn reads_every_route_of_a_table_larger_than_one_answer() {
        let routes = table(9_995);
        let calls = Cell::new(0usize);
        let got = read_all_routes(|q| {
            calls.set(calls.get() + 1);
            let page: RoutePage = answer_query(&routes, q);
            async move { Ok(page) }
        })
        .await
        .expect("read");
        assert_eq!(got.len(), routes.len());
        let mut want: Vec<Destination> = routes.iter().map(|r| r.destination.clone()).collect();
        want.sort();
        let got: Vec<Destination> = got.into_iter().map(|r| r.destination).collect();
        assert_eq!(got, want);
        assert!(
            calls.get() > 10,
            "a 10,000-route table needs several searches"
        );
    }

    /// A level's searches are in flight together (the first split level: prefix
    /// lists, IPv4 and IPv6 at once).
    #[tokio::test]
    async fn the_searches_of_a_split_level_are_sent_together() {
        let routes = table(9_995);
        let (now, most) = (Cell::new(0usize), Cell::new(0usize));
        let got = read_all_routes(|q| {
            let page = answer_query(&routes, q);
            let (now, most) = (&now, &most);
            async move {
                now.set(now.get() + 1);
                most.set(most.get().max(now.get()));
                tokio::task::yield_now().await;
                now.set(now.get() - 1);
                Ok(page)
            }
        })
        .await
        .expect("read");
        assert_eq!(got.len(), routes.len());
        assert!(most.get() >= 3, "at most {} at once", most.get());
    }

    #[tokio::test]
    async fn small_table_is_one_search() {
        let routes = table(20);
        let calls = Cell::new(0usize);
        let got = read_all_routes(|q| {
            calls.set(calls.get() + 1);
            let page = answer_query(&routes, q);
            async move { Ok(page) }
        })
        .await
        .expect("read");
        assert_eq!(got.len(), 25);
        assert_eq!(calls.get(), 1);
    }

    #[tokio::test]
    async fn an_error_mid_split_is_returned_not_swallowed() {
        let routes = table(3_000);
        let calls = Cell::new(0usize);
        let got = read_all_routes(|q| {
            calls.set(calls.get() + 1);
            let n = calls.get();
            let page = answer_query(&routes, q);
            async move {
                if n == 3 {
                    Err(BackendError::new(
                        crate::backend::ErrorKind::Throttled,
                        "throttled",
                    ))
                } else {
                    Ok(page)
                }
            }
        })
        .await;
        assert!(got.is_err());
    }
}
