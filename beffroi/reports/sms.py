"""Text messages to residents who gave a phone number, through a provider-independent backend.

`settings.BEFFROI_SMS_BACKEND` names the class (default: the log backend, which only writes the message to
the log). A real provider is one subclass of `BaseSmsBackend` implementing `send_messages`.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("beffroi.reports.sms")

DEFAULT_BACKEND = "beffroi.reports.sms.LogSmsBackend"


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class BaseSmsBackend:
    def send_messages(self, messages: list[SmsMessage]) -> int:
        """Send the messages; return how many were accepted."""
        raise NotImplementedError


class LogSmsBackend(BaseSmsBackend):
    """Console/log backend: writes each message to the `beffroi.reports.sms` logger."""

    def send_messages(self, messages: list[SmsMessage]) -> int:
        for message in messages:
            logger.info("SMS to %s: %s", message.to, message.body)
        return len(messages)


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps messages in `outbox` (tests)."""

    outbox: list[SmsMessage] = []

    def send_messages(self, messages: list[SmsMessage]) -> int:
        LocmemSmsBackend.outbox.extend(messages)
        return len(messages)


def get_backend() -> BaseSmsBackend:
    return import_string(getattr(settings, "BEFFROI_SMS_BACKEND", "") or DEFAULT_BACKEND)()


def send_sms(*, to: str, body: str) -> int:
    return get_backend().send_messages([SmsMessage(to=to, body=body)])
