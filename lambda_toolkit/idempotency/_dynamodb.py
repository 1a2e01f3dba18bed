"""DynamoDBStore: the idempotency records in a DynamoDB table, one item per key.

Each step is one request: the lock is a conditional ``PutItem`` that, when a live record
exists, returns it (``ReturnValuesOnConditionCheckFailure=ALL_OLD``) so a duplicate is
answered without a second read; completion is one ``UpdateItem`` conditioned on the
lock's token; release is one conditional ``DeleteItem``. When a failed condition carries
no item (some DynamoDB-compatible servers do not return it), a consistent ``GetItem``
reads it instead.

boto3 is imported and the client created on first use, never at import time (the
package's shared DynamoDB client, ``core.aws.LazyClient``).
"""

from __future__ import annotations

import time
from typing import Any

from lambda_toolkit.core.aws import LazyClient
from lambda_toolkit.idempotency._errors import IdempotencyConfigurationError, IdempotencyError, IdempotencyStoreError
from lambda_toolkit.idempotency._store import COMPLETED, INPROGRESS, Record

__all__ = ["DynamoDBStore"]

MAX_ITEM_BYTES = 400 * 1024
_ACQUIRE_ATTEMPTS = 3
_THROTTLED = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"})
_DENIED = frozenset(
    {
        "AccessDeniedException",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "ExpiredTokenException",
        "MissingAuthenticationTokenException",
    }
)
_LOCK_CONDITION = "attribute_not_exists(#k) OR #exp <= :now_s OR (#st = :inprogress AND #lexp <= :now_ms)"


class _ConditionFailedError(IdempotencyError):
    """A conditional write found the item in another state (caught by the store's methods)."""

    def __init__(self, item: dict[str, Any] | None) -> None:
        super().__init__("condition failed")
        self.item = item


class DynamoDBStore:
    """Idempotency records in the DynamoDB table ``table_name``.

    The partition key is the string attribute ``key_attr`` (default ``id``). With
    ``sort_key_attr``, one table serves many functions: the partition key holds the
    function namespace and the sort key the key hash. ``expiry_attr`` holds epoch seconds
    and can be the table's TTL attribute. ``client`` is a boto3 DynamoDB client; by
    default one is created on first use (with ``region`` and ``endpoint_url`` if given).
    """

    def __init__(
        self,
        table_name: str,
        *,
        client: Any = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        key_attr: str = "id",
        sort_key_attr: str | None = None,
        expiry_attr: str = "expiration",
        lock_expiry_attr: str = "in_progress_expiration",
        status_attr: str = "status",
        data_attr: str = "data",
        error_attr: str = "error",
        validation_attr: str = "validation",
        token_attr: str = "token",
    ) -> None:
        if not isinstance(table_name, str) or not table_name:
            raise IdempotencyConfigurationError("DynamoDBStore table_name must be a non-empty string")
        names = {
            "key_attr": key_attr,
            "expiry_attr": expiry_attr,
            "lock_expiry_attr": lock_expiry_attr,
            "status_attr": status_attr,
            "data_attr": data_attr,
            "error_attr": error_attr,
            "validation_attr": validation_attr,
            "token_attr": token_attr,
        }
        if sort_key_attr is not None:
            names["sort_key_attr"] = sort_key_attr
        for option, value in names.items():
            if not isinstance(value, str) or not value:
                raise IdempotencyConfigurationError(f"DynamoDBStore {option} must be a non-empty string")
        if len(set(names.values())) != len(names):
            raise IdempotencyConfigurationError("DynamoDBStore attribute names must all differ")
        self.table_name = table_name
        self.key_attr = key_attr
        self.sort_key_attr = sort_key_attr
        self.expiry_attr = expiry_attr
        self.lock_expiry_attr = lock_expiry_attr
        self.status_attr = status_attr
        self.data_attr = data_attr
        self.error_attr = error_attr
        self.validation_attr = validation_attr
        self.token_attr = token_attr
        self._client = LazyClient("dynamodb", client=client, region=region, endpoint_url=endpoint_url)
        self._bound_calls: tuple[Any, dict[str, Any], type[Exception], type[Exception]] | None = None
        self._names = {
            "#k": key_attr,
            "#exp": expiry_attr,
            "#st": status_attr,
            "#lexp": lock_expiry_attr,
        }

    # -- the protocol --------------------------------------------------------------

    def acquire(self, record: Record, now_ms: int) -> Record | None:
        """One conditional PutItem; a live record that blocks it is returned (read back if needed)."""
        item = self._to_item(record)
        for _ in range(_ACQUIRE_ATTEMPTS):
            try:
                self._call(
                    "PutItem",
                    Item=item,
                    ConditionExpression=_LOCK_CONDITION,
                    ExpressionAttributeNames=self._names,
                    ExpressionAttributeValues={
                        ":now_s": {"N": str(now_ms // 1000)},
                        ":now_ms": {"N": str(now_ms)},
                        ":inprogress": {"S": INPROGRESS},
                    },
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
                return None
            except _ConditionFailedError as failed:
                existing = self._from_item(failed.item) if failed.item else self.get(record.key)
            if existing is not None and existing.is_live(now_ms):
                return existing
            # The blocking record expired or was deleted between the write and the read:
            # write again, with the time as it is now.
            now_ms = max(now_ms, int(time.time() * 1000))
        raise IdempotencyStoreError(
            f"DynamoDB PutItem on table {self.table_name!r}: key {record.key_hash[:16]} kept changing "
            f"under {_ACQUIRE_ATTEMPTS} attempts to lock it",
            table=self.table_name,
            action="PutItem",
            reason="contention",
        )

    def complete(self, record: Record) -> bool:
        """One UpdateItem turning our lock into the COMPLETED record; False when the lock is not ours.

        The key, expiry, token and payload hash written with the lock stay as they are (the
        policy completes a lock with the same ones); the status and the result or the error
        are set, the lock expiry removed.
        """
        names = {"#st": self.status_attr, "#lexp": self.lock_expiry_attr, "#tok": self.token_attr}
        values: dict[str, Any] = {":st": {"S": COMPLETED}, ":tok": {"S": record.token}}
        sets = "#st = :st"
        if record.result is not None:
            names["#data"] = self.data_attr
            values[":data"] = {"S": record.result}
            sets += ", #data = :data"
        if record.error is not None:
            names["#err"] = self.error_attr
            values[":err"] = {"S": record.error}
            sets += ", #err = :err"
        self._check_size(record)
        try:
            self._call(
                "UpdateItem",
                Key=self._key(record.key),
                UpdateExpression=f"SET {sets} REMOVE #lexp",
                ConditionExpression="#tok = :tok",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except _ConditionFailedError:
            return False
        return True

    def release(self, record: Record) -> None:
        """One conditional DeleteItem of our lock; nothing when the record is no longer our lock."""
        try:
            self._call(
                "DeleteItem",
                Key=self._key(record.key),
                ConditionExpression="#tok = :tok AND #st = :inprogress",
                ExpressionAttributeNames={"#tok": self.token_attr, "#st": self.status_attr},
                ExpressionAttributeValues={":tok": {"S": record.token}, ":inprogress": {"S": INPROGRESS}},
            )
        except _ConditionFailedError:
            return

    def get(self, key: str) -> Record | None:
        """The stored record of ``key`` (a consistent read), live or not, or None."""
        response = self._call("GetItem", Key=self._key(key), ConsistentRead=True)
        item = response.get("Item")
        return self._from_item(item) if item else None

    # -- items ---------------------------------------------------------------------

    def _key(self, key: str) -> dict[str, Any]:
        if self.sort_key_attr is None:
            return {self.key_attr: {"S": key}}
        namespace, _, key_hash = key.rpartition("#")
        return {self.key_attr: {"S": namespace}, self.sort_key_attr: {"S": key_hash}}

    def _to_item(self, record: Record) -> dict[str, Any]:
        """The item of a lock (INPROGRESS: no result or error yet)."""
        item = self._key(record.key)
        item[self.status_attr] = {"S": record.status}
        item[self.expiry_attr] = {"N": str(record.expires_at)}
        item[self.token_attr] = {"S": record.token}
        if record.lock_expires_at_ms is not None:
            item[self.lock_expiry_attr] = {"N": str(record.lock_expires_at_ms)}
        if record.payload_hash is not None:
            item[self.validation_attr] = {"S": record.payload_hash}
        return item

    def _from_item(self, item: dict[str, Any]) -> Record:
        get = item.get
        if self.sort_key_attr is None:
            key = _text(get(self.key_attr)) or ""
        else:
            key = f"{_text(get(self.key_attr))}#{_text(get(self.sort_key_attr))}"
        return Record(
            key=key,
            status=_text(get(self.status_attr)) or "",
            expires_at=_number(get(self.expiry_attr)) or 0,
            lock_expires_at_ms=_number(get(self.lock_expiry_attr)),
            token=_text(get(self.token_attr)) or "",
            payload_hash=_text(get(self.validation_attr)),
            result=_text(get(self.data_attr)),
            error=_text(get(self.error_attr)),
        )

    def _check_size(self, record: Record) -> None:
        # DynamoDB counts attribute names and values in UTF-8 bytes; only the result and the
        # error can be large (256 bytes stand for the other attributes and their names).
        size = len(record.key) + 256
        for text in (record.result, record.error):
            if text is not None:
                size += len(text) if text.isascii() else len(text.encode())
        if size > MAX_ITEM_BYTES:
            raise IdempotencyStoreError(
                f"DynamoDB UpdateItem on table {self.table_name!r}: the result of key {record.key_hash[:16]} "
                f"makes an item of about {size // 1024} KB, over DynamoDB's 400 KB limit; it was not stored",
                table=self.table_name,
                action="UpdateItem",
                reason="too_large",
            )

    # -- requests ------------------------------------------------------------------

    @property
    def client(self) -> Any:
        """The boto3 DynamoDB client (the package's shared one unless one was given; made
        on first use, and again after ``core.aws.reset_clients``). The package's client
        leaves the check of each parameter to DynamoDB: the store builds its requests whole."""
        return self._client.get()

    def _bound(self, client: Any) -> tuple[Any, dict[str, Any], type[Exception], type[Exception]]:
        """The client's methods by action, and botocore's error classes (resolved again when the client changes)."""
        from botocore.exceptions import BotoCoreError, ClientError

        methods = {action: getattr(client, name) for action, name in _SNAKE.items()}
        bound = self._bound_calls = (client, methods, ClientError, BotoCoreError)
        return bound

    def _call(self, action: str, **kwargs: Any) -> Any:
        client = self._client.get()
        bound = self._bound_calls
        if bound is None or bound[0] is not client:
            bound = self._bound(client)
        _, methods, client_error, botocore_error = bound
        try:
            return methods[action](TableName=self.table_name, **kwargs)
        except client_error as exc:
            response: dict[str, Any] = exc.response  # type: ignore[attr-defined]
            error = response.get("Error", {})
            code = str(error.get("Code", ""))
            if code == "ConditionalCheckFailedException":
                raise _ConditionFailedError(response.get("Item")) from None
            status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            raise self._client_error(action, code, status, str(error.get("Message", ""))) from None
        except botocore_error as exc:
            raise IdempotencyStoreError(
                f"DynamoDB {action} on table {self.table_name!r} failed: could not reach DynamoDB "
                f"({type(exc).__name__})",
                table=self.table_name,
                action=action,
                reason="connection",
            ) from None

    def _client_error(self, action: str, code: str, status: int, message: str) -> IdempotencyStoreError:
        where = f"DynamoDB {action} on table {self.table_name!r}"
        if code == "ResourceNotFoundException":
            text, reason = f"{where} failed: the table does not exist (check its name and region)", "missing_table"
        elif code in _DENIED:
            text, reason = f"{where} was denied ({code}): allow dynamodb:{action} on it", "access_denied"
        elif code in _THROTTLED:
            text, reason = f"{where} was throttled ({code}) after retries", "throttled"
        elif status >= 500 or code in ("InternalServerError", "ServiceUnavailable"):
            text, reason = f"{where} failed with a server error ({code or status})", "server_error"
        elif code == "ValidationException" and "size" in message.lower():
            text, reason = f"{where} failed: the item is over DynamoDB's 400 KB limit", "too_large"
        else:
            text, reason = f"{where} failed ({code or status})", "client_error"
        return IdempotencyStoreError(text, table=self.table_name, action=action, reason=reason)

    def __repr__(self) -> str:
        return f"DynamoDBStore(table_name={self.table_name!r})"


def _text(value: dict[str, Any] | None) -> str | None:
    return None if value is None else str(value.get("S"))


def _number(value: dict[str, Any] | None) -> int | None:
    return None if value is None else int(float(value.get("N", "0")))


_SNAKE = {"PutItem": "put_item", "UpdateItem": "update_item", "DeleteItem": "delete_item", "GetItem": "get_item"}
