"""Every hub process follows ``partners.credentials`` (aiokafka, like the key vault follows its topics):
read to the end before the gateway is ready, then tail it, so an issue, a rotation or a revocation by
``refhub credentials`` takes effect in every running hub within about a second — no restart."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from schemas.codec import codec_for
from streams.access.credentials import Credential
from streams.access.store import CredentialStore
from streams.follow import Batches, TopicFollower
from streams.topology import PARTNER_CREDENTIALS

log = logging.getLogger(__name__)


class CredentialFollower(TopicFollower):
    def __init__(
        self,
        store: CredentialStore,
        bootstrap_servers: list[str],
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__((PARTNER_CREDENTIALS.name,), bootstrap_servers, client_options, "refhub-credentials")
        self.store = store
        self._codec = codec_for(PARTNER_CREDENTIALS.schema)

    def on_ready(self) -> None:
        log.info("credentials ready: %d on %s", len(self.store.all()), PARTNER_CREDENTIALS.name)

    def apply(self, batches: Batches) -> None:
        for messages in batches.values():
            for message in messages:
                key = message.key.decode() if message.key else ""
                if message.value is None:
                    self.store.remove(key)
                    continue
                try:
                    credential = Credential.from_record(self._codec.decode(message.value))
                except (ValueError, KeyError) as error:
                    # One bad record must not stop the others from taking effect; it authenticates nothing.
                    log.error("unreadable credential record %s at offset %d: %s", key, message.offset, error)
                    self.store.remove(key)
                    continue
                self.store.put(credential)
