//! Messaging Services: a pool of the account's numbers to send from, with a
//! sticky sender per recipient and service-wide webhooks and opt-outs.

use crate::messages::{reject, MessageError};
use crate::numbers::{method, url};
use std::sync::Arc;
use switchboard_domain::clock::Clock;
use switchboard_domain::ids::{AccountSid, PhoneNumberSid, ServiceSid};
use switchboard_store::{ServiceConfig, ServiceNumber, ServiceRecord, Store};

/// Fields given on create or update; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct ServiceParams {
    pub friendly_name: Option<String>,
    pub inbound_request_url: Option<String>,
    pub inbound_method: Option<String>,
    pub fallback_url: Option<String>,
    pub fallback_method: Option<String>,
    pub status_callback: Option<String>,
    pub sticky_sender: Option<bool>,
    pub use_inbound_webhook_on_number: Option<bool>,
}

impl ServiceParams {
    fn apply(self, c: &mut ServiceConfig) -> Result<(), MessageError> {
        if let Some(n) = self.friendly_name {
            if n.chars().count() > 64 {
                return Err(reject(20001, "FriendlyName must be at most 64 characters."));
            }
            c.friendly_name = n;
        }
        url(
            "InboundRequestUrl",
            self.inbound_request_url,
            &mut c.inbound_request_url,
        )?;
        method("InboundMethod", self.inbound_method, &mut c.inbound_method)?;
        url("FallbackUrl", self.fallback_url, &mut c.fallback_url)?;
        method(
            "FallbackMethod",
            self.fallback_method,
            &mut c.fallback_method,
        )?;
        url(
            "StatusCallback",
            self.status_callback,
            &mut c.status_callback,
        )?;
        if let Some(v) = self.sticky_sender {
            c.sticky_sender = v;
        }
        if let Some(v) = self.use_inbound_webhook_on_number {
            c.use_inbound_webhook_on_number = v;
        }
        Ok(())
    }
}

pub struct Services {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl Services {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    pub async fn create(
        &self,
        account: &AccountSid,
        params: ServiceParams,
    ) -> Result<ServiceRecord, MessageError> {
        if params.friendly_name.as_deref().is_none_or(str::is_empty) {
            return Err(reject(20001, "FriendlyName is required."));
        }
        let mut config = ServiceConfig::default();
        params.apply(&mut config)?;
        let now = self.clock.now_millis();
        let record = ServiceRecord {
            sid: ServiceSid::generate(),
            account_sid: account.clone(),
            config,
            date_created: now,
            date_updated: now,
        };
        self.store.create_service(record.clone()).await?;
        Ok(record)
    }

    pub async fn get(
        &self,
        account: &AccountSid,
        sid: &ServiceSid,
    ) -> Result<Option<ServiceRecord>, MessageError> {
        Ok(self.store.get_service(account, sid).await?)
    }

    pub async fn list(&self, account: &AccountSid) -> Result<Vec<ServiceRecord>, MessageError> {
        Ok(self.store.list_services(account).await?)
    }

    pub async fn update(
        &self,
        account: &AccountSid,
        sid: &ServiceSid,
        params: ServiceParams,
    ) -> Result<Option<ServiceRecord>, MessageError> {
        let Some(current) = self.store.get_service(account, sid).await? else {
            return Ok(None);
        };
        let mut config = current.config;
        params.apply(&mut config)?;
        let now = self.clock.now_millis();
        if !self.store.update_service(account, sid, config, now).await? {
            return Ok(None);
        }
        Ok(self.store.get_service(account, sid).await?)
    }

    pub async fn delete(
        &self,
        account: &AccountSid,
        sid: &ServiceSid,
    ) -> Result<bool, MessageError> {
        Ok(self.store.delete_service(account, sid).await?)
    }

    /// Adds one of the account's numbers to the pool (21710 if it is in a service already).
    pub async fn add_number(
        &self,
        account: &AccountSid,
        service: &ServiceSid,
        number: &str,
    ) -> Result<Option<ServiceNumber>, MessageError> {
        if self.store.get_service(account, service).await?.is_none() {
            return Ok(None);
        }
        let pn = PhoneNumberSid::parse(number).map_err(|_| {
            reject(
                21450,
                format!("PhoneNumberSid {number} is not a phone number SID."),
            )
        })?;
        let held = self.store.get_number(account, &pn).await?.ok_or_else(|| {
            reject(
                21450,
                format!("The account holds no phone number {number}."),
            )
        })?;
        let entry = ServiceNumber {
            service_sid: service.clone(),
            number_sid: pn,
            phone_number: held.phone_number,
            date_created: self.clock.now_millis(),
        };
        match self.store.add_service_number(entry.clone()).await {
            Ok(()) => Ok(Some(entry)),
            Err(switchboard_store::Error::Conflict(_)) => Err(reject(
                21710,
                format!("Phone number {number} is already in a Messaging Service."),
            )),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn numbers(
        &self,
        account: &AccountSid,
        service: &ServiceSid,
    ) -> Result<Option<Vec<ServiceNumber>>, MessageError> {
        if self.store.get_service(account, service).await?.is_none() {
            return Ok(None);
        }
        Ok(Some(self.store.list_service_numbers(service).await?))
    }

    pub async fn remove_number(
        &self,
        account: &AccountSid,
        service: &ServiceSid,
        number: &PhoneNumberSid,
    ) -> Result<bool, MessageError> {
        if self.store.get_service(account, service).await?.is_none() {
            return Ok(false);
        }
        Ok(self.store.remove_service_number(service, number).await?)
    }
}
