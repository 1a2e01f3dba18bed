"""DynamoDBProvider: parameters kept in a DynamoDB table.

Two table layouts, as the lookups use them:

- single values (``get_parameter``, ``get_parameters_by_name``, ``set_parameter``): the
  partition key ``key_attr`` (default ``id``) holds the name, ``value_attr`` (default
  ``value``) the value; read with ``GetItem`` (``BatchGetItem`` for several names);
- values by path (``get_parameters``): the partition key holds the path and the sort key
  ``sort_attr`` (default ``sk``) each name under it; read with one ``Query`` (paginated),
  keyed by the sort key.

A value is a string (``S``), a number (``N``, given as its text) or binary (``B``). The
names are DynamoDB key values, not Parameter Store names: any non-empty string up to
1024 bytes. The client is the package's shared DynamoDB client unless one is given.
"""

from __future__ import annotations

import time

from lambda_toolkit.core.aws import LazyClient
from lambda_toolkit.core.errors import ConfigurationError
from lambda_toolkit.parameters._errors import (
    InvalidParameterNameError,
    ParameterAccessDeniedError,
    ParameterError,
    ParameterExistsError,
    ParameterFetchError,
    ParameterNotFoundError,
    ParameterThrottledError,
    ParameterWriteError,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from lambda_toolkit.parameters._provider import BatchResult

__all__ = ["DynamoDBProvider"]

BATCH_GET_LIMIT = 100  # BatchGetItem takes at most 100 keys
_MAX_KEY_BYTES = 1024  # a sort key's limit (a partition key may have 2048): one rule for both layouts
_UNPROCESSED_ATTEMPTS = 5
_THROTTLED = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"})
_DENIED = frozenset(
    {"AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException"}
)


class DynamoDBProvider:
    """Parameters in the DynamoDB table ``table_name`` (see the module's layouts).

    ``consistent_read`` makes reads strongly consistent (twice the read capacity); the
    attribute names are options. ``client`` is a boto3 DynamoDB client; by default the
    package's shared one, made on first use (with ``region`` and ``endpoint_url``).
    """

    def __init__(
        self,
        table_name: str,
        *,
        key_attr: str = "id",
        sort_attr: str = "sk",
        value_attr: str = "value",
        consistent_read: bool = False,
        client: Any = None,
        region: str | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        options = {"table_name": table_name, "key_attr": key_attr, "sort_attr": sort_attr, "value_attr": value_attr}
        for option, value in options.items():
            if not isinstance(value, str) or not value:
                raise ConfigurationError(f"DynamoDBProvider {option} must be a non-empty string")
        if len({key_attr, sort_attr, value_attr}) != 3:
            raise ConfigurationError("DynamoDBProvider key_attr, sort_attr and value_attr must all differ")
        self.table_name = table_name
        self.key_attr = key_attr
        self.sort_attr = sort_attr
        self.value_attr = value_attr
        self.consistent_read = bool(consistent_read)
        self._client = LazyClient("dynamodb", client=client, region=region, endpoint_url=endpoint_url)

    @property
    def client(self) -> Any:
        """The boto3 DynamoDB client (created now if it was not yet)."""
        return self._client.get()

    # -- the name rules the lookups apply with this provider ------------------------------

    def check_parameter_name(self, name: object) -> str:
        """``name`` if it can be a key of the table: a non-empty string of at most 1024 bytes."""
        return _check_key(name, "parameter")

    def check_parameter_path(self, path: object) -> str:
        """``path`` if it can be a partition key of the table (no leading '/' needed)."""
        return _check_key(path, "parameter path")

    # -- reads --------------------------------------------------------------------------

    def get_parameter(self, name: str, *, decrypt: bool) -> str | bytes:
        """The value of the item ``name`` (``dynamodb:GetItem``; ``decrypt`` has no meaning here)."""
        answer = self._call(
            "get_item",
            name,
            Key={self.key_attr: {"S": name}},
            ProjectionExpression="#v",
            ExpressionAttributeNames={"#v": self.value_attr},
            ConsistentRead=self.consistent_read,
        )
        item = answer.get("Item")
        if not item:
            raise ParameterNotFoundError(
                f"parameter {name!r} not found (no item in DynamoDB table {self.table_name!r})", name=name
            )
        return self._value(item, name)

    def get_parameters(self, names: Sequence[str], *, decrypt: bool) -> BatchResult:
        """Several items (``dynamodb:BatchGetItem``, 100 keys a call; unprocessed keys asked again)."""
        values: dict[str, str | bytes] = {}
        failures: dict[str, ParameterError] = {}
        unique = list(dict.fromkeys(names))
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            chunk = unique[start : start + BATCH_GET_LIMIT]
            try:
                items = self._batch_get(chunk)
            except ParameterError as exc:
                for name in chunk:
                    failures[name] = type(exc)(str(exc), name=name)
                continue
            for name in chunk:
                item = items.get(name)
                try:
                    if item is None:
                        raise ParameterNotFoundError(
                            f"parameter {name!r} not found (no item in DynamoDB table {self.table_name!r})", name=name
                        )
                    values[name] = self._value(item, name)
                except ParameterError as exc:
                    failures[name] = exc
        return values, failures

    def get_parameters_by_path(self, path: str, *, decrypt: bool, recursive: bool) -> dict[str, str | bytes]:
        """Every item whose partition key is ``path``, by sort key (``dynamodb:Query``, paginated).

        ``recursive`` has no meaning here: a path is one partition."""
        values: dict[str, str | bytes] = {}
        start: dict[str, Any] | None = None
        while True:
            params: dict[str, Any] = {
                "KeyConditionExpression": "#k = :path",
                "ExpressionAttributeNames": {"#k": self.key_attr, "#s": self.sort_attr, "#v": self.value_attr},
                "ExpressionAttributeValues": {":path": {"S": path}},
                "ProjectionExpression": "#s, #v",
                "ConsistentRead": self.consistent_read,
            }
            if start:
                params["ExclusiveStartKey"] = start
            answer = self._call("query", path, what="parameter path", **params)
            for item in answer.get("Items", []):
                sort = item.get(self.sort_attr, {})
                name = sort.get("S") if isinstance(sort, dict) else None
                if not isinstance(name, str):
                    raise ParameterFetchError(
                        f"parameter path {path!r}: an item of DynamoDB table {self.table_name!r} has no string "
                        f"sort key {self.sort_attr!r}",
                        name=path,
                    )
                values[name] = self._value(item, f"{path}/{name}")
            start = answer.get("LastEvaluatedKey")
            if not start:
                return values

    # -- writes -------------------------------------------------------------------------

    def put_parameter(
        self,
        name: str,
        value: str,
        *,
        overwrite: bool,
        type: str,  # the name of the option in set_parameter
        kms_key_id: str | None = None,
        tier: str | None = None,
    ) -> None:
        """Write the item ``name`` (``dynamodb:PutItem``; without ``overwrite``, only if it is
        new). Only ``type="String"`` has a meaning here: the table stores the text as it is."""
        if type != "String" or kms_key_id is not None or tier is not None:
            raise ConfigurationError(
                f"parameter {name!r}: DynamoDBProvider stores plain strings (type='String', no kms_key_id or tier)"
            )
        params: dict[str, Any] = {"Item": {self.key_attr: {"S": name}, self.value_attr: {"S": value}}}
        if not overwrite:
            params["ConditionExpression"] = "attribute_not_exists(#k)"
            params["ExpressionAttributeNames"] = {"#k": self.key_attr}
        self._call("put_item", name, **params)

    # -- requests -----------------------------------------------------------------------

    def _batch_get(self, names: list[str]) -> dict[str, dict[str, Any]]:
        keys: list[dict[str, Any]] = [{self.key_attr: {"S": name}} for name in names]
        items: dict[str, dict[str, Any]] = {}
        for attempt in range(_UNPROCESSED_ATTEMPTS):
            request = {
                self.table_name: {
                    "Keys": keys,
                    "ProjectionExpression": "#k, #v",
                    "ExpressionAttributeNames": {"#k": self.key_attr, "#v": self.value_attr},
                    "ConsistentRead": self.consistent_read,
                }
            }
            answer = self._call("batch_get_item", ", ".join(names), what="parameters", RequestItems=request)
            for item in answer.get("Responses", {}).get(self.table_name, []):
                key = item.get(self.key_attr, {}).get("S")
                if isinstance(key, str):
                    items[key] = item
            keys = answer.get("UnprocessedKeys", {}).get(self.table_name, {}).get("Keys", [])
            if not keys:
                return items
            time.sleep(min(0.05 * 2**attempt, 1.0))  # DynamoDB asks for a backoff before unprocessed keys
        raise ParameterThrottledError(
            f"parameters {', '.join(names)}: DynamoDB table {self.table_name!r} left keys unprocessed "
            f"after {_UNPROCESSED_ATTEMPTS} BatchGetItem calls"
        )

    def _value(self, item: dict[str, Any], name: str) -> str | bytes:
        attribute = item.get(self.value_attr)
        if isinstance(attribute, dict):
            for kind in ("S", "N"):
                if isinstance(attribute.get(kind), str):
                    return str(attribute[kind])
            if isinstance(attribute.get("B"), (bytes, bytearray)):
                return bytes(attribute["B"])
        # The attribute's type only: its content may be the value.
        found = "missing" if attribute is None else "/".join(attribute) if isinstance(attribute, dict) else "invalid"
        raise ParameterFetchError(
            f"parameter {name!r}: the item's {self.value_attr!r} attribute is not a string, number or binary ({found})",
            name=name,
        )

    def _call(self, operation: str, name: str, *, what: str = "parameter", **params: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        action = "dynamodb:" + "".join(part.title() for part in operation.split("_"))
        where = f"{what} {name!r}"
        failed = ParameterWriteError if operation == "put_item" else ParameterFetchError
        if operation != "batch_get_item":
            params["TableName"] = self.table_name
        try:
            return getattr(self._client.get(), operation)(**params)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
        except BotoCoreError as exc:
            raise failed(f"{where}: {action} failed ({type(exc).__name__})", name=name) from None
        table = f"DynamoDB table {self.table_name!r}"
        error: ParameterError
        if code == "ConditionalCheckFailedException":
            error = ParameterExistsError(f"{where} exists already in {table} (overwrite=False)", name=name)
        elif code == "ResourceNotFoundException":
            error = failed(f"{where}: {table} does not exist (check its name and region)", name=name)
        elif code in _DENIED:
            error = ParameterAccessDeniedError(f"{where}: access denied ({code}): the role needs {action}", name=name)
        elif code in _THROTTLED:
            error = ParameterThrottledError(f"{where}: {table} still throttled after retries ({code})", name=name)
        else:
            error = failed(f"{where}: {action} on {table} failed ({code})", name=name)
        raise error

    def __repr__(self) -> str:
        return f"DynamoDBProvider({self.table_name!r})"


def _check_key(name: object, what: str) -> str:
    if not isinstance(name, str):
        raise InvalidParameterNameError(f"{what} name must be a string, got {type(name).__name__}")
    if not name:
        raise InvalidParameterNameError(f"{what} name must not be empty")
    if len(name.encode("utf-8", "surrogatepass")) > _MAX_KEY_BYTES:
        raise InvalidParameterNameError(f"{what} name is longer than {_MAX_KEY_BYTES} bytes", name=name[:80])
    return name
