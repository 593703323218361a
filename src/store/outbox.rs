//! The outbox: the events stored changes announce, the deliveries they become, and the
//! WebSub subscriptions.
//!
//! Nothing is lost because nothing is held in memory: `save` writes the event in the
//! transaction that stores the item; `dispatch` writes an event's deliveries in the
//! transaction that marks it dispatched; a delivery is marked delivered only after the
//! receiver answered 2xx. A process killed between any two of these steps finds the
//! work where it stopped, and at worst sends one request again (receivers drop repeats
//! by the idempotency key).

use super::*;
use crate::model::{DeliveryCounts, DeliveryKind, DeliveryTarget, Event};

/// Writes the event a stored change announces (called inside `save`'s transaction).
pub(super) fn record_event(
    tx: &rusqlite::Transaction<'_>,
    item_id: i64,
    source_id: &str,
    event: Event,
    ts: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO outbox (item_id, source_id, event, revision, created)
         SELECT ?1, ?2, ?3, revision, ?4 FROM items WHERE id = ?1",
        params![item_id, source_id, event.as_str(), ts],
    )?;
    Ok(())
}

/// An event waiting to be dispatched.
#[derive(Debug, Clone)]
pub struct OutboxEvent {
    pub id: i64,
    pub item_id: i64,
    pub source_id: String,
    pub event: Event,
    pub revision: i64,
    /// The item's GUID; `None` when retention deleted the item before dispatch.
    pub guid: Option<String>,
    pub created: DateTime<Utc>,
}

impl OutboxEvent {
    /// What receivers drop repeats by: the item's GUID and its revision. A re-post's
    /// event carries its story's key, so a receiver told of the story once is not told
    /// again by another portal's copy.
    pub fn key(&self) -> Option<String> {
        self.guid.as_ref().map(|g| format!("{g}#{}", self.revision))
    }
}

/// A delivery to write when an event is dispatched.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub kind: DeliveryKind,
    /// The receiver's URL (the webhook, the subscriber's callback, the hub).
    pub url: String,
    /// The feed key (webhooks) or the topic URL (WebSub, pings).
    pub topic: String,
    /// The idempotency key (webhooks).
    pub key: Option<String>,
    pub content_type: Option<String>,
    /// The request body, when it is fixed at dispatch (webhooks); WebSub sends the feed
    /// as it is when sent.
    pub body: Option<Vec<u8>>,
    /// Extra request headers (the signature).
    pub headers: Vec<(String, String)>,
}

/// A delivery due to be sent: the request dispatch wrote, and its failed attempts.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub request: NewDelivery,
    pub attempts: u32,
}

/// A WebSub subscriber whose intent was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub callback: String,
    pub topic: String,
    /// The topic's feed key and format extension.
    pub feed: String,
    pub format: String,
    pub secret: Option<String>,
    pub lease_until: DateTime<Utc>,
}

/// Why a subscription was not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscribeRefusal {
    TopicFull(usize),
    HostFull(usize),
}

impl Store {
    /// Events not yet dispatched, oldest first.
    pub fn waiting_events(&self, limit: usize) -> Result<Vec<OutboxEvent>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT o.id, o.item_id, o.source_id, o.event, o.revision, i.guid, o.created
             FROM outbox o LEFT JOIN items i ON i.id = o.item_id
             WHERE o.dispatched IS NULL ORDER BY o.id LIMIT ?1",
        )?;
        let rows = stmt
            .query_map(params![limit as i64], |r| {
                Ok(OutboxEvent {
                    id: r.get(0)?,
                    item_id: r.get(1)?,
                    source_id: r.get(2)?,
                    event: Event::parse(&r.get::<_, String>(3)?).unwrap_or(Event::Updated),
                    revision: r.get(4)?,
                    guid: r.get(5)?,
                    created: from_ts(r.get(6)?),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Writes an event's deliveries and marks it dispatched, in one transaction.
    pub fn dispatch(
        &self,
        event: &OutboxEvent,
        deliveries: &[NewDelivery],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let result = (|| {
            let mut conn = self.writer();
            let tx = conn.transaction()?;
            let ts = now.timestamp();
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO deliveries (event_id, kind, target, topic, url, key, content_type, body,
                        headers, created, next_attempt)
                     VALUES (?1, ?2, ?3, ?4, ?3, ?5, ?6, ?7, ?8, ?9, ?9)",
                )?;
                for d in deliveries {
                    insert.execute(params![
                        event.id,
                        d.kind.as_str(),
                        d.url,
                        d.topic,
                        d.key,
                        d.content_type,
                        d.body,
                        serde_json::to_string(&d.headers).unwrap_or_else(|_| "[]".into()),
                        // The event's time: a receiver's `max_age` counts from the
                        // change, not from when the worker got to it.
                        event.created.timestamp().min(ts),
                    ])?;
                }
            }
            tx.execute(
                "UPDATE outbox SET dispatched = ?2 WHERE id = ?1",
                params![event.id, ts],
            )?;
            tx.commit()?;
            Ok(())
        })();
        self.note_write(&result);
        result
    }

    /// The receivers with a pending delivery whose time has come.
    pub fn due_receivers(&self, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT target FROM deliveries WHERE state = 'pending' AND next_attempt <= ?1",
        )?;
        let rows = stmt
            .query_map(params![now.timestamp()], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// One receiver's pending deliveries whose time has come, oldest first, at most
    /// `limit`.
    pub fn due_to(
        &self,
        url: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Delivery>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, kind, url, topic, key, content_type, body, headers, attempts
             FROM deliveries WHERE target = ?1 AND state = 'pending' AND next_attempt <= ?2
             ORDER BY id LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(params![url, now.timestamp(), limit as i64], |r| {
                Ok(Delivery {
                    id: r.get(0)?,
                    request: NewDelivery {
                        kind: DeliveryKind::parse(&r.get::<_, String>(1)?)
                            .unwrap_or(DeliveryKind::Webhook),
                        url: r.get(2)?,
                        topic: r.get(3)?,
                        key: r.get(4)?,
                        content_type: r.get(5)?,
                        body: r.get(6)?,
                        headers: serde_json::from_str(&r.get::<_, String>(7)?).unwrap_or_default(),
                    },
                    attempts: r.get(8)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Marks deliveries sent: the receiver answered `status` (2xx).
    pub fn delivered(
        &self,
        ids: &[i64],
        status: u16,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.finish(ids, "delivered", Some(status), None, now)
    }

    /// Marks deliveries failed for good (too old, or their subscription ended).
    pub fn abandon(&self, ids: &[i64], reason: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.finish(ids, "failed", None, Some(reason), now)
    }

    fn finish(
        &self,
        ids: &[i64],
        state: &str,
        status: Option<u16>,
        reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let result = (|| {
            let mut conn = self.writer();
            let tx = conn.transaction()?;
            {
                let mut update = tx.prepare_cached(
                    "UPDATE deliveries SET state = ?2, attempts = attempts + (?3 IS NOT NULL),
                        status = coalesce(?3, status), error = coalesce(?4, error), finished = ?5
                     WHERE id = ?1 AND state = 'pending'",
                )?;
                for id in ids {
                    update.execute(params![id, state, status, reason, now.timestamp()])?;
                }
            }
            tx.commit()?;
            Ok(())
        })();
        self.note_write(&result);
        result
    }

    /// A failed attempt at `ids`: counted, with its reason, and every pending delivery
    /// to the same receiver waits until `retry_at` (a receiver that is down is not asked
    /// again for each of its deliveries).
    pub fn attempt_failed(
        &self,
        ids: &[i64],
        url: &str,
        status: Option<u16>,
        reason: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let result = (|| {
            let mut conn = self.writer();
            let tx = conn.transaction()?;
            {
                let mut update = tx.prepare_cached(
                    "UPDATE deliveries SET attempts = attempts + 1, status = ?2, error = ?3
                     WHERE id = ?1 AND state = 'pending'",
                )?;
                for id in ids {
                    update.execute(params![id, status, reason])?;
                }
            }
            tx.execute(
                "UPDATE deliveries SET next_attempt = ?2
                 WHERE target = ?1 AND state = 'pending' AND next_attempt < ?2",
                params![url, retry_at.timestamp()],
            )?;
            tx.commit()?;
            Ok(())
        })();
        self.note_write(&result);
        result
    }

    /// Gives up the pending deliveries created before `cutoff` (`max_age`): they are
    /// failed, with their last reason. Returns how many.
    pub fn give_up_before(
        &self,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let result = self
            .writer()
            .execute(
                "UPDATE deliveries SET state = 'failed', finished = ?2,
                    error = 'given up after ' || attempts || ' attempts: ' || coalesce(error, 'never sent')
                 WHERE state = 'pending' AND created < ?1",
                params![cutoff.timestamp(), now.timestamp()],
            )
            .map_err(StoreError::from);
        self.note_write(&result);
        result
    }

    /// Forgets finished deliveries and dispatched events older than `before`.
    pub fn prune_deliveries(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "DELETE FROM deliveries WHERE state <> 'pending' AND finished < ?1",
            params![before.timestamp()],
        )?;
        tx.execute(
            "DELETE FROM outbox WHERE dispatched < ?1",
            params![before.timestamp()],
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// Deliveries by state (delivered and failed of the last week), all receivers.
    pub fn delivery_counts(&self) -> Result<DeliveryCounts, StoreError> {
        let mut total = DeliveryCounts::default();
        for t in self.delivery_targets()? {
            total.pending += t.counts.pending;
            total.failed += t.counts.failed;
            total.delivered += t.counts.delivered;
        }
        Ok(total)
    }

    /// Each receiver's deliveries, the troubled ones (pending or failed) first.
    pub fn delivery_targets(&self) -> Result<Vec<DeliveryTarget>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT kind, target,
                sum(state = 'pending'), sum(state = 'failed'), sum(state = 'delivered'),
                (SELECT error FROM deliveries e WHERE e.target = d.target AND e.state <> 'delivered'
                    AND e.error IS NOT NULL ORDER BY e.id DESC LIMIT 1)
             FROM deliveries d GROUP BY kind, target
             ORDER BY sum(state <> 'delivered') DESC, target",
        )?;
        let rows = stmt
            .query_map([], |r| {
                let n = |i: usize| r.get::<_, i64>(i).map(|n| n as usize);
                Ok(DeliveryTarget {
                    kind: DeliveryKind::parse(&r.get::<_, String>(0)?)
                        .unwrap_or(DeliveryKind::Webhook),
                    url: r.get(1)?,
                    counts: DeliveryCounts {
                        pending: n(2)?,
                        failed: n(3)?,
                        delivered: n(4)?,
                    },
                    last_error: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The sources holding a copy of an item.
    pub fn copy_sources(&self, item_id: i64) -> Result<Vec<String>, StoreError> {
        let conn = self.reader();
        let mut stmt =
            conn.prepare_cached("SELECT DISTINCT source_id FROM copies WHERE item_id = ?1")?;
        let rows = stmt
            .query_map(params![item_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Stores a verified subscription (a renewal replaces its lease and secret), unless
    /// its topic or its callback's host already has the most allowed.
    pub fn subscribe(
        &self,
        s: &Subscription,
        host: &str,
        max_per_topic: usize,
        max_per_host: usize,
        now: DateTime<Utc>,
    ) -> Result<Result<(), SubscribeRefusal>, StoreError> {
        let result = (|| {
            let mut conn = self.writer();
            let tx = conn.transaction()?;
            if let Err(full) = room(&tx, s, host, max_per_topic, max_per_host)? {
                return Ok(Err(full));
            }
            tx.execute(
                "INSERT INTO subscriptions (callback, host, topic, feed, format, secret, lease_until, created)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (callback, topic) DO UPDATE SET secret = excluded.secret,
                    lease_until = excluded.lease_until",
                params![
                    s.callback,
                    host,
                    s.topic,
                    s.feed,
                    s.format,
                    s.secret,
                    s.lease_until.timestamp(),
                    now.timestamp()
                ],
            )?;
            tx.commit()?;
            Ok(Ok(()))
        })();
        self.note_write(&result);
        result
    }

    /// Whether [`Store::subscribe`] would take `s` now: asked before its intent is
    /// verified, so that a full topic is refused at once.
    pub fn room_for(
        &self,
        s: &Subscription,
        host: &str,
        max_per_topic: usize,
        max_per_host: usize,
    ) -> Result<Result<(), SubscribeRefusal>, StoreError> {
        room(&self.reader(), s, host, max_per_topic, max_per_host)
    }

    /// Ends a subscription; whether there was one.
    pub fn unsubscribe(&self, callback: &str, topic: &str) -> Result<bool, StoreError> {
        let n = self.writer().execute(
            "DELETE FROM subscriptions WHERE callback = ?1 AND topic = ?2",
            params![callback, topic],
        )?;
        Ok(n > 0)
    }

    /// Deletes subscriptions whose lease ran out; returns how many.
    pub fn expire_subscriptions(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(self.writer().execute(
            "DELETE FROM subscriptions WHERE lease_until <= ?1",
            params![now.timestamp()],
        )?)
    }

    /// The live subscriptions to any of `feeds` (feed keys).
    pub fn subscriptions_to(
        &self,
        feeds: &[&str],
        now: DateTime<Utc>,
    ) -> Result<Vec<Subscription>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT callback, topic, feed, format, secret, lease_until FROM subscriptions
             WHERE feed = ?1 AND lease_until > ?2 ORDER BY id",
        )?;
        let mut out = Vec::new();
        for feed in feeds {
            for s in stmt.query_map(params![feed, now.timestamp()], subscription_row)? {
                out.push(s?);
            }
        }
        Ok(out)
    }

    /// The live subscription of `callback` to `topic`.
    pub fn subscription(
        &self,
        callback: &str,
        topic: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Subscription>, StoreError> {
        Ok(self
            .reader()
            .query_row(
                "SELECT callback, topic, feed, format, secret, lease_until FROM subscriptions
                 WHERE callback = ?1 AND topic = ?2 AND lease_until > ?3",
                params![callback, topic, now.timestamp()],
                subscription_row,
            )
            .optional()?)
    }

    /// Live subscriptions, all feeds.
    pub fn subscription_count(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let n: i64 = self.reader().query_row(
            "SELECT count(*) FROM subscriptions WHERE lease_until > ?1",
            params![now.timestamp()],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }
}

/// A renewal always has room; a new subscription needs its topic and its callback's host
/// under their limits.
fn room(
    conn: &Connection,
    s: &Subscription,
    host: &str,
    max_per_topic: usize,
    max_per_host: usize,
) -> Result<Result<(), SubscribeRefusal>, StoreError> {
    let count = |sql: &str, arg: &str| -> Result<usize, StoreError> {
        Ok(conn.query_row(sql, params![arg], |r| r.get::<_, i64>(0))? as usize)
    };
    let known: i64 = conn.query_row(
        "SELECT count(*) FROM subscriptions WHERE callback = ?1 AND topic = ?2",
        params![s.callback, s.topic],
        |r| r.get(0),
    )?;
    if known > 0 {
        return Ok(Ok(()));
    }
    if count(
        "SELECT count(*) FROM subscriptions WHERE topic = ?1",
        &s.topic,
    )? >= max_per_topic
    {
        return Ok(Err(SubscribeRefusal::TopicFull(max_per_topic)));
    }
    if count("SELECT count(*) FROM subscriptions WHERE host = ?1", host)? >= max_per_host {
        return Ok(Err(SubscribeRefusal::HostFull(max_per_host)));
    }
    Ok(Ok(()))
}

fn subscription_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Subscription> {
    Ok(Subscription {
        callback: r.get(0)?,
        topic: r.get(1)?,
        feed: r.get(2)?,
        format: r.get(3)?,
        secret: r.get(4)?,
        lease_until: from_ts(r.get(5)?),
    })
}
