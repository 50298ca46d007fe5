//! Reading many accounts on AWS: who the base credentials are (STS
//! `GetCallerIdentity`), the organization's accounts (Organizations `ListAccounts`,
//! from the management or a delegated-administrator account), and a backend per
//! member account through AssumeRole.
//!
//! Credentials: each member's backend holds an [`AssumeRoleProvider`] behind the
//! SDK's identity cache, which keeps the role's credentials until shortly before they
//! expire and fetches new ones on the next call after that. The role is assumed once
//! up front, so an account whose role cannot be assumed is known (and shown as a gap)
//! before any region is read.

use std::sync::Arc;

use aws_config::SdkConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_sdk_sts::config::{ProvideCredentials, SharedCredentialsProvider};

use super::{AwsBackend, AwsOptions};
use crate::backend::accounts::{AccountsBackend, Member};
use crate::backend::{Backend, BackendError, ErrorKind};
use crate::config::Config;
use crate::model::Account;

/// An account of the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`.
    pub status: String,
}

/// Which accounts to read and how.
#[derive(Debug, Clone, Default)]
pub struct AccountsPlan {
    /// Every ACTIVE account of the organization.
    pub org: bool,
    /// Exactly these accounts (when not `org`); with neither, the config's
    /// `[[accounts]]`.
    pub ids: Vec<String>,
    /// The role assumed in each account the config does not say how to reach.
    pub role_name: String,
    /// `--read-only`: no account is changed.
    pub read_only: bool,
}

impl AwsBackend {
    /// A backend over an SDK configuration built elsewhere (tests against moto;
    /// each member account's assumed-role configuration).
    /// Its calls go through the process's scheduler, keyed by `label` until
    /// [`AwsBackend::with_throttle_account`] says the account.
    #[must_use]
    pub fn from_sdk_config(label: &str, config: SdkConfig, read_only: bool) -> Self {
        let home_region = config.region().map(|r| r.as_ref().to_string());
        Self {
            sdk_config: Some(config),
            label: label.to_string(),
            home_region,
            endpoint_url: None,
            clients: std::sync::Mutex::new(std::collections::HashMap::new()),
            read_only,
            scheduler: crate::backend::throttle::Scheduler::process(),
            throttle_account: label.to_string(),
            attempts: 1,
        }
    }

    fn config(&self) -> Result<&SdkConfig, BackendError> {
        self.sdk_config.as_ref().ok_or_else(|| {
            BackendError::new(
                ErrorKind::InvalidInput,
                format!(
                    "backend {} has no AWS configuration to reach other accounts",
                    self.label
                ),
            )
        })
    }

    fn global_cx(&self) -> super::errors::Cx<'_> {
        self.cx(self.home_region.as_deref().unwrap_or("us-east-1"))
    }

    /// The account the credentials belong to and its partition (`aws`, `aws-cn`…),
    /// from `GetCallerIdentity`.
    ///
    /// # Errors
    /// The call's error.
    pub async fn caller_account(&self) -> Result<(String, String), BackendError> {
        let sts = aws_sdk_sts::Client::new(self.config()?);
        let out = self
            .global_cx()
            .call("sts", "GetCallerIdentity", sts.get_caller_identity().send())
            .await?;
        let account = out.account().map(ToString::to_string).ok_or_else(|| {
            BackendError::new(ErrorKind::Other, "GetCallerIdentity named no account")
        })?;
        let partition = out
            .arn()
            .and_then(|a| a.split(':').nth(1))
            .filter(|p| !p.is_empty())
            .unwrap_or("aws")
            .to_string();
        Ok((account, partition))
    }

    /// The organization's accounts (`ListAccounts`, every page).
    ///
    /// # Errors
    /// The call's error (`AWSOrganizationsNotInUseException`, `AccessDeniedException`
    /// from an account that is neither the management nor a delegated administrator).
    pub async fn organization_accounts(&self) -> Result<Vec<OrgAccount>, BackendError> {
        let org = aws_sdk_organizations::Client::new(self.config()?);
        let pages: Vec<aws_sdk_organizations::operation::list_accounts::ListAccountsOutput> = self
            .global_cx()
            .call(
                "organizations",
                "ListAccounts",
                org.list_accounts().into_paginator().send().try_collect(),
            )
            .await?;
        Ok(pages
            .iter()
            .flat_map(|p| p.accounts())
            .filter_map(|a| {
                Some(OrgAccount {
                    id: a.id()?.to_string(),
                    name: a.name().unwrap_or_default().to_string(),
                    status: a
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                })
            })
            .collect())
    }

    /// A backend for `account` through AssumeRole of `role_arn` from these
    /// credentials; the role is assumed once here so a refusal is known now.
    ///
    /// # Errors
    /// [`ErrorKind::AccessDenied`] naming the role and the account when STS refuses.
    pub async fn assume(
        &self,
        account: &str,
        role_arn: &str,
        external_id: Option<&str>,
        read_only: bool,
    ) -> Result<AwsBackend, BackendError> {
        let base = self.config()?;
        let mut builder = AssumeRoleProvider::builder(role_arn)
            .session_name("netops")
            .configure(base);
        if let Some(id) = external_id {
            builder = builder.external_id(id);
        }
        let provider = builder.build().await;
        if let Err(e) = provider.provide_credentials().await {
            let detail = aws_sdk_sts::error::DisplayErrorContext(&e).to_string();
            let code = [
                "AccessDenied",
                "ExpiredToken",
                "InvalidClientTokenId",
                "RegionDisabledException",
            ]
            .into_iter()
            .find(|c| detail.contains(c))
            .unwrap_or("refused");
            let role = role_arn.rsplit('/').next().unwrap_or(role_arn);
            return Err(BackendError::new(
                ErrorKind::AccessDenied,
                format!("role {role} cannot be assumed in {account}: {code} ({detail})"),
            ));
        }
        let config = base
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
        let mut backend =
            Self::from_sdk_config(&format!("{account} via {role_arn}"), config, read_only);
        backend.endpoint_url.clone_from(&self.endpoint_url);
        Ok(backend)
    }
}

/// The accounts `plan` names, each read through its own backend: the caller's own
/// account with the base credentials, every other through its config entry (a
/// profile, or a role ARN) or `--role-name`. `options` are the base connection's,
/// for accounts reached by profile.
///
/// # Errors
/// The organization's accounts cannot be listed, or the caller cannot be told.
pub async fn accounts_backend(
    base: Arc<AwsBackend>,
    options: &AwsOptions,
    plan: &AccountsPlan,
    config: &Config,
) -> Result<AccountsBackend, BackendError> {
    let (caller, partition) = base.caller_account().await?;
    let (ids, names): (Vec<String>, Vec<Option<String>>) = if plan.org {
        let listed = base.organization_accounts().await.map_err(|e| {
            BackendError::new(
                e.kind,
                format!(
                    "--org: the organization's accounts cannot be listed from account {caller}: {} (run from the management account or a delegated administrator, or name the accounts with --accounts)",
                    e.message
                ),
            )
        })?;
        listed
            .into_iter()
            .filter(|a| a.status == "ACTIVE")
            .map(|a| (a.id, Some(a.name).filter(|n| !n.is_empty())))
            .unzip()
    } else if !plan.ids.is_empty() {
        (plan.ids.clone(), vec![None; plan.ids.len()])
    } else {
        // The config's entries that say how to reach their account.
        let ids: Vec<String> = config
            .accounts
            .iter()
            .filter(|(_, a)| a.role_arn.is_some() || a.profile.is_some())
            .map(|(id, _)| id.clone())
            .collect();
        let n = ids.len();
        (ids, vec![None; n])
    };
    let mut members = Vec::new();
    for (id, name) in ids.into_iter().zip(names) {
        let settings = config.accounts.get(&id).cloned().unwrap_or_default();
        let read_only = plan.read_only || settings.read_only;
        let (via, reader): (String, Result<AwsBackend, BackendError>) =
            if let Some(profile) = &settings.profile {
                let connected = AwsBackend::connect(AwsOptions {
                    profile: Some(profile.clone()),
                    read_only,
                    ..options.clone()
                })
                .await;
                (format!("profile {profile}"), connected)
            } else if id == caller && settings.role_arn.is_none() {
                let own = AwsBackend::from_sdk_config(
                    &base.label,
                    base.config()?.clone(),
                    read_only || base.read_only,
                );
                (
                    "base credentials".to_string(),
                    Ok(AwsBackend {
                        endpoint_url: base.endpoint_url.clone(),
                        ..own
                    }),
                )
            } else {
                let arn = settings.role_arn.clone().unwrap_or_else(|| {
                    format!("arn:{partition}:iam::{id}:role/{}", plan.role_name)
                });
                let role = arn.rsplit('/').next().unwrap_or(&arn).to_string();
                (
                    format!("role {role}"),
                    base.assume(&id, &arn, settings.external_id.as_deref(), read_only)
                        .await,
                )
            };
        let reader = reader.map(Arc::new);
        let (changer, prober) = match &reader {
            Ok(b) => (b.changer(), b.prober()),
            Err(_) => (None, None),
        };
        members.push(Member {
            regions: (!settings.regions.is_empty()).then(|| settings.regions.clone()),
            reader: reader.map(|b| b as Arc<dyn Backend>),
            changer,
            prober,
            name,
            via,
            id,
        });
    }
    let n = members.len();
    Ok(AccountsBackend::new(
        "aws",
        &format!("{} accounts", n),
        Some(Account {
            id: caller,
            alias: None,
        }),
        base.home_region().into_iter().collect(),
        members,
    ))
}
