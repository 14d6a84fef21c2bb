//! The freedesktop Secret Service (org.freedesktop.secrets) on the session D-Bus, spoken with
//! the zbus already used for notifications: gnome-keyring, KWallet 5.97+ and KeePassXC serve it.
//!
//! Secrets travel in the "plain" algorithm: the session bus is the user's own, and any process
//! that can read it can ask the store for the secret anyway. Items go into the default
//! collection (the user's login keyring), found by three attributes: `application=awscheck`,
//! `kind` and `key-id`. A locked item or collection is unlocked through the service's own
//! prompt, which may ask the user for the keyring password.

use super::{Entry, SecretStore, StoreError};
use crate::sys::bus::session_bus;
use crate::sys::env::Env;
use std::collections::HashMap;
use std::time::Duration;
use zbus::{Connection, OwnedObjectPath, OwnedVariant, Variant};

const SERVICE: &str = "org.freedesktop.secrets";
const SERVICE_PATH: &str = "/org/freedesktop/secrets";
const SERVICE_IFACE: &str = "org.freedesktop.Secret.Service";
const COLLECTION_IFACE: &str = "org.freedesktop.Secret.Collection";
const ITEM_IFACE: &str = "org.freedesktop.Secret.Item";
const PROMPT_IFACE: &str = "org.freedesktop.Secret.Prompt";

/// A running service answers in milliseconds; the limit is for one that never does.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a person may take to type the keyring's password into its prompt.
const PROMPT_TIMEOUT: Duration = Duration::from_secs(120);

/// (session, parameters, value, content type): the Secret Service's secret struct.
type Secret = (OwnedObjectPath, Vec<u8>, Vec<u8>, String);

pub struct SecretService {
    address: String,
}

impl SecretService {
    /// The service on this session's bus, checked to be there.
    pub fn connect(env: &Env) -> Result<Self, StoreError> {
        let address =
            session_bus(env).map_err(|why| StoreError(format!("no secret store: {why}")))?;
        let service = SecretService { address };
        service.run(async |bus: &Connection| open_session(bus).await.map(|_| ()))?;
        Ok(service)
    }

    /// Run `work` on a fresh connection, on a thread of its own so that a bus that never
    /// answers cannot hold awscheck: after the limit the thread is left behind.
    fn run<T: Send + 'static>(
        &self,
        work: impl AsyncFnOnce(&Connection) -> zbus::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let address = self.address.clone();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let result = zbus::block_on(async move {
                let bus = zbus::connection::Builder::address(address.as_str())
                    .method_timeout(CALL_TIMEOUT)
                    .build()
                    .await?;
                work(&bus).await
            });
            // The caller gave up waiting (and said so) when the receiver is gone.
            let _ = sender.send(result);
        });
        match receiver.recv_timeout(CALL_TIMEOUT + PROMPT_TIMEOUT) {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(StoreError(describe(&error))),
            Err(_) => Err(StoreError(
                "the Secret Service gave no answer in time".to_string(),
            )),
        }
    }
}

impl SecretService {
    /// The entry's secret; a locked item is unlocked (which may prompt) only when `unlock`.
    fn read(&self, entry: Entry, unlock_it: bool) -> Result<Option<Vec<u8>>, StoreError> {
        let attributes = attributes(entry);
        self.run(async move |bus: &Connection| {
            let (unlocked, locked) = search(bus, attributes).await?;
            let item = match (unlocked.first(), locked.first()) {
                (Some(item), _) => item.clone(),
                (None, None) => return Ok(None),
                (None, Some(_)) if !unlock_it => {
                    return Err(zbus::Error::Failure("the keyring is locked".to_string()))
                }
                (None, Some(item)) => {
                    let item = item.clone();
                    unlock(bus, locked, ITEM_IFACE).await?;
                    item
                }
            };
            let session = open_session(bus).await?;
            let (_, _, value, _): Secret =
                call(bus, item.as_str(), ITEM_IFACE, "GetSecret", &(session,)).await?;
            Ok(Some(value))
        })
    }
}

fn describe(error: &zbus::Error) -> String {
    match error {
        zbus::Error::MethodError(name, _, _) if name.as_str().ends_with("ServiceUnknown") => {
            "no secret store is running on the session bus (org.freedesktop.secrets)".to_string()
        }
        other => format!("the Secret Service failed: {other}"),
    }
}

fn attributes(entry: Entry) -> HashMap<String, String> {
    HashMap::from([
        ("application".to_string(), "awscheck".to_string()),
        ("kind".to_string(), entry.kind().to_string()),
        ("key-id".to_string(), entry.key_id().to_string()),
    ])
}

async fn call<B, R>(
    bus: &Connection,
    path: &str,
    iface: &str,
    method: &str,
    body: &B,
) -> zbus::Result<R>
where
    B: serde::Serialize + zbus::DynamicType,
    R: for<'d> serde::Deserialize<'d> + zbus::Type,
{
    let reply = bus
        .call_method(Some(SERVICE), path, Some(iface), method, body)
        .await?;
    reply.body().deserialize()
}

async fn open_session(bus: &Connection) -> zbus::Result<OwnedObjectPath> {
    let (_, session): (OwnedVariant, OwnedObjectPath) = call(
        bus,
        SERVICE_PATH,
        SERVICE_IFACE,
        "OpenSession",
        &("plain", Variant::from("")),
    )
    .await?;
    Ok(session)
}

/// (unlocked, locked) items with these attributes.
async fn search(
    bus: &Connection,
    attributes: HashMap<String, String>,
) -> zbus::Result<(Vec<OwnedObjectPath>, Vec<OwnedObjectPath>)> {
    call(
        bus,
        SERVICE_PATH,
        SERVICE_IFACE,
        "SearchItems",
        &(attributes,),
    )
    .await
}

/// Unlock `objects` (items or collections, as `iface` says), going through the service's
/// prompt when it has one.
async fn unlock(bus: &Connection, objects: Vec<OwnedObjectPath>, iface: &str) -> zbus::Result<()> {
    if objects.is_empty() {
        return Ok(());
    }
    let (_, prompt): (Vec<OwnedObjectPath>, OwnedObjectPath) = call(
        bus,
        SERVICE_PATH,
        SERVICE_IFACE,
        "Unlock",
        &(objects.clone(),),
    )
    .await?;
    if prompt.as_str() == "/" {
        return Ok(());
    }
    let () = call(bus, prompt.as_str(), PROMPT_IFACE, "Prompt", &("",)).await?;
    // Poll `Locked` until the prompt has done its work: simpler than following the prompt's
    // signal, and the wait is a person's anyway.
    let started = std::time::Instant::now();
    loop {
        let mut locked = false;
        for object in &objects {
            let value: OwnedVariant = call(
                bus,
                object.as_str(),
                "org.freedesktop.DBus.Properties",
                "Get",
                &(iface, "Locked"),
            )
            .await?;
            locked |= bool::try_from(value).unwrap_or(true);
        }
        if !locked {
            return Ok(());
        }
        if started.elapsed() > PROMPT_TIMEOUT {
            return Err(zbus::Error::Failure(
                "the keyring stayed locked".to_string(),
            ));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Run the service's `prompt` (a path of `/` means none is needed) and wait for its
/// `Completed` signal; a dismissed prompt is an error naming `what` it was for. The wait is
/// bounded by [`SecretService::run`].
async fn complete(bus: &Connection, prompt: OwnedObjectPath, what: &str) -> zbus::Result<()> {
    use zbus::export::futures_core::Stream;
    if prompt.as_str() == "/" {
        return Ok(());
    }
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface(PROMPT_IFACE)
        .member("Completed")
        .path(prompt.as_str())
        .build()?;
    // Listening before the prompt runs: a prompt that completes at once is not missed.
    let mut completions = zbus::MessageStream::for_match_rule(rule, bus, None).await?;
    let () = call(bus, prompt.as_str(), PROMPT_IFACE, "Prompt", &("",)).await?;
    let signal =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut completions).poll_next(cx)).await;
    let Some(signal) = signal else {
        return Err(zbus::Error::Failure(format!(
            "{what} was not confirmed: the Secret Service went away"
        )));
    };
    let (dismissed, _): (bool, OwnedVariant) = signal?.body().deserialize()?;
    if dismissed {
        return Err(zbus::Error::Failure(format!(
            "{what} was not confirmed: its prompt was dismissed"
        )));
    }
    Ok(())
}

async fn default_collection(bus: &Connection) -> zbus::Result<OwnedObjectPath> {
    let collection: OwnedObjectPath =
        call(bus, SERVICE_PATH, SERVICE_IFACE, "ReadAlias", &("default",)).await?;
    if collection.as_str() == "/" {
        return Err(zbus::Error::Failure(
            "the Secret Service has no default keyring".to_string(),
        ));
    }
    Ok(collection)
}

impl SecretStore for SecretService {
    fn name(&self) -> String {
        "the Secret Service".to_string()
    }

    fn get(&self, entry: Entry) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(entry, true)
    }

    fn peek(&self, entry: Entry) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(entry, false)
    }

    fn exists(&self, entry: Entry) -> Result<bool, StoreError> {
        let attributes = attributes(entry);
        self.run(async move |bus: &Connection| {
            let (unlocked, locked) = search(bus, attributes).await?;
            Ok(!unlocked.is_empty() || !locked.is_empty())
        })
    }

    fn set(&self, entry: Entry, secret: &[u8]) -> Result<(), StoreError> {
        let attributes = attributes(entry);
        let label = entry.label();
        let secret = secret.to_vec();
        self.run(async move |bus: &Connection| {
            let collection = default_collection(bus).await?;
            unlock(bus, vec![collection.clone()], COLLECTION_IFACE).await?;
            let session = open_session(bus).await?;
            let properties: HashMap<&str, Variant> = HashMap::from([
                ("org.freedesktop.Secret.Item.Label", Variant::from(label)),
                (
                    "org.freedesktop.Secret.Item.Attributes",
                    Variant::from(attributes),
                ),
            ]);
            let value: Secret = (session, Vec::new(), secret, "application/json".to_string());
            let (_, prompt): (OwnedObjectPath, OwnedObjectPath) = call(
                bus,
                collection.as_str(),
                COLLECTION_IFACE,
                "CreateItem",
                &(properties, value, true),
            )
            .await?;
            if prompt.as_str() != "/" {
                return Err(zbus::Error::Failure(
                    "the Secret Service asked for a confirmation awscheck cannot give".to_string(),
                ));
            }
            Ok(())
        })
    }

    fn delete(&self, entry: Entry) -> Result<bool, StoreError> {
        let attributes = attributes(entry);
        self.run(async move |bus: &Connection| {
            let (unlocked, locked) = search(bus, attributes).await?;
            unlock(bus, locked.clone(), ITEM_IFACE).await?;
            let items: Vec<OwnedObjectPath> = unlocked.into_iter().chain(locked).collect();
            for item in &items {
                let prompt: OwnedObjectPath =
                    call(bus, item.as_str(), ITEM_IFACE, "Delete", &()).await?;
                // A store that asks the user first has deleted nothing yet: the item is gone
                // only once its prompt completes without being dismissed.
                complete(bus, prompt, "the deletion").await?;
            }
            Ok(!items.is_empty())
        })
    }
}
