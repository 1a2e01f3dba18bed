"""Models of the management triggers: CloudFormation custom resources, Config rules, secret rotation.

``ConfigRuleEvent`` carries its invoking event and rule parameters as JSON strings; they are
parsed on demand (``invoking_event_json()``, ``rule_parameters_json()``). The custom
resource's ``ResponseURL`` is a pre-signed URL: it is kept out of ``repr``.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_pascal

from lambda_toolkit.events._base import EventModel
from lambda_toolkit.events._errors import EventValidationError

__all__ = [
    "CloudFormationCustomResourceEvent",
    "ConfigRuleEvent",
    "SecretsManagerRotationEvent",
]


class CloudFormationCustomResourceEvent(EventModel):
    """A CloudFormation custom resource request (``Create``, ``Update`` or ``Delete``).

    ``physical_resource_id`` is sent on Update and Delete, ``old_resource_properties`` on
    Update only.
    """

    model_config = ConfigDict(alias_generator=to_pascal)

    trigger: ClassVar[str] = "cloudformation-custom-resource"

    request_type: Literal["Create", "Update", "Delete"]
    response_url: str = Field(alias="ResponseURL", repr=False)
    stack_id: str
    request_id: str
    logical_resource_id: str
    resource_type: str
    service_token: str | None = None
    service_timeout: int | None = None
    physical_resource_id: str | None = None
    resource_properties: dict[str, Any] | None = None
    old_resource_properties: dict[str, Any] | None = None


def _parse_json(text: str | None, trigger: str, path: str) -> Any:
    if text is None:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        raise EventValidationError(trigger, [(path, "not valid JSON")]) from None
    except RecursionError:
        raise EventValidationError(trigger, [(path, "not valid JSON (nested too deeply)")]) from None


class ConfigRuleEvent(EventModel):
    """An AWS Config custom rule evaluation (change-triggered or periodic)."""

    trigger: ClassVar[str] = "config-rule"

    invoking_event: str
    result_token: str = Field(repr=False)
    account_id: str
    config_rule_name: str
    version: str | None = None
    config_rule_arn: str | None = None
    config_rule_id: str | None = None
    rule_parameters: str | None = None
    event_left_scope: bool = False
    execution_role_arn: str | None = None
    evaluation_mode: str | None = None

    @cached_property
    def _invoking_event(self) -> Any:
        return _parse_json(self.invoking_event, self.trigger, "invokingEvent")

    @cached_property
    def _rule_parameters(self) -> Any:
        return _parse_json(self.rule_parameters, self.trigger, "ruleParameters")

    def invoking_event_json(self) -> Any:
        """``invokingEvent`` parsed (cached); ``EventValidationError`` when it is not JSON."""
        return self._invoking_event

    def rule_parameters_json(self) -> Any:
        """``ruleParameters`` parsed (cached; ``{}`` when absent)."""
        return self._rule_parameters

    @property
    def message_type(self) -> str | None:
        """The invoking event's ``messageType`` (``ConfigurationItemChangeNotification``...)."""
        parsed = self._invoking_event
        return parsed.get("messageType") if isinstance(parsed, dict) else None


class SecretsManagerRotationEvent(EventModel):
    """One step of a Secrets Manager rotation."""

    model_config = ConfigDict(alias_generator=to_pascal)

    trigger: ClassVar[str] = "secrets-manager-rotation"

    step: Literal["createSecret", "setSecret", "testSecret", "finishSecret"]
    secret_id: str
    client_request_token: str
    rotation_token: str | None = None
