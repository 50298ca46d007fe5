//! Prefix lists: what a route to `pl-…` stands for.
//!
//! Three calls answer it. `DescribeManagedPrefixLists` lists the managed lists the
//! account owns or has been shared, AWS's own included (metadata only);
//! `DescribePrefixLists` gives the AWS service lists (S3, DynamoDB) that gateway
//! endpoints route to, with their CIDRs; `GetManagedPrefixListEntries` gives a managed
//! list's entries, one list per call, so it is asked only for the lists a route or a
//! security group rule of the region uses.
//!
//! None of it may cost the region its topology: a list that cannot be read keeps
//! `entries: None` (routes to it stay "not evaluated") and the failure is a
//! `prefix-lists` gap.

use std::collections::BTreeSet;

use futures::StreamExt;

use super::errors::Cx;
use super::mapping::parse_net;
use crate::backend::BackendError;
use crate::model::{Gap, PrefixList};

/// Lists read at once when asking for entries.
const ENTRY_CONCURRENCY: usize = 4;

/// The region's prefix lists, without the managed lists' entries: the managed lists
/// (any owner) and the AWS service lists with their CIDRs, one object per id.
///
/// # Errors
/// Either call's error.
pub(super) async fn describe(
    cx: Cx<'_>,
    c: &aws_sdk_ec2::Client,
) -> Result<Vec<PrefixList>, BackendError> {
    let (managed, service) = tokio::try_join!(
        paginate!(
            cx,
            "ec2",
            "DescribeManagedPrefixLists",
            c.describe_managed_prefix_lists().max_results(100),
            prefix_lists
        ),
        paginate!(
            cx,
            "ec2",
            "DescribePrefixLists",
            c.describe_prefix_lists(),
            prefix_lists
        ),
    )?;
    let mut lists: Vec<PrefixList> = managed
        .iter()
        .filter_map(|l| {
            Some(PrefixList {
                id: l.prefix_list_id()?.to_string(),
                name: l.prefix_list_name().map(ToString::to_string),
                owner_id: l.owner_id().map(ToString::to_string),
                address_family: l.address_family().map(ToString::to_string),
                max_entries: l.max_entries(),
                state: l
                    .state()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                entries: None,
            })
        })
        .collect();
    for l in &service {
        let Some(id) = l.prefix_list_id() else {
            continue;
        };
        // An AWS service list always holds addresses: an empty answer is a backend
        // that does not know them (moto 5.2.5), so the entries count as not read.
        let entries: Option<Vec<_>> = Some(l.cidrs().iter().filter_map(|c| parse_net(c)).collect())
            .filter(|e: &Vec<_>| !e.is_empty());
        match lists.iter_mut().find(|x| x.id == id) {
            Some(known) => known.entries = entries,
            None => lists.push(PrefixList {
                id: id.to_string(),
                name: l.prefix_list_name().map(ToString::to_string),
                owner_id: Some("AWS".into()),
                entries,
                ..PrefixList::default()
            }),
        }
    }
    Ok(lists)
}

/// The lists worth keeping: those the region uses, and the account's own (AWS's
/// dozens of service lists are noise unless a route or rule names them).
pub(super) fn keep(lists: &mut Vec<PrefixList>, used: &BTreeSet<String>) {
    lists.retain(|l| used.contains(&l.id) || l.owner_id.as_deref() != Some("AWS"));
}

/// Completes `lists` with the entries of every used list whose entries are not known
/// yet (a list the describe did not show, e.g. one it was denied, is added). Returns
/// the gap of the first failure; the other lists are still read.
pub(super) async fn read_entries(
    cx: Cx<'_>,
    c: &aws_sdk_ec2::Client,
    lists: &mut Vec<PrefixList>,
    used: &BTreeSet<String>,
) -> Option<Gap> {
    let wanted: Vec<String> = used
        .iter()
        .filter(|id| !lists.iter().any(|l| &&l.id == id && l.entries.is_some()))
        .cloned()
        .collect();
    let answers: Vec<(String, Result<Vec<_>, BackendError>)> = futures::stream::iter(wanted)
        .map(|id| async move {
            let entries = paginate!(
                cx,
                "ec2",
                "GetManagedPrefixListEntries",
                c.get_managed_prefix_list_entries()
                    .prefix_list_id(&id)
                    .max_results(100),
                entries
            )
            .await
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|e| parse_net(e.cidr()?))
                    .collect::<Vec<_>>()
            });
            (id, entries)
        })
        .buffered(ENTRY_CONCURRENCY)
        .collect()
        .await;
    let mut gap = None;
    for (id, answer) in answers {
        match answer {
            Ok(entries) => match lists.iter_mut().find(|l| l.id == id) {
                Some(l) => l.entries = Some(entries),
                None => lists.push(PrefixList {
                    id,
                    entries: Some(entries),
                    ..PrefixList::default()
                }),
            },
            Err(e) => {
                if !lists.iter().any(|l| l.id == id) {
                    lists.push(PrefixList {
                        id: id.clone(),
                        ..PrefixList::default()
                    });
                }
                tracing::warn!(prefix_list = %id, error = %e.message, "prefix list entries not read");
                gap.get_or_insert_with(|| Gap {
                    part: "prefix-lists".into(),
                    error: format!("{id}: {}", e.message),
                });
            }
        }
    }
    gap
}
