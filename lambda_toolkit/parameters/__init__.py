"""Parameters and secrets: TTL-cached SSM Parameter Store, Secrets Manager and AppConfig lookups.

::

    from lambda_toolkit.parameters import get_app_config, get_parameter, get_secret

    table = get_parameter("/app/prod/table")                 # cached 300 s by default
    db = get_secret("prod/db", transform="json")             # a dict; refreshed after max_age
    password = get_secret("prod/db-password")                # a MaskedStr: repr is masked
    flags = get_app_config("orders", "prod", "flags", transform="json")
    db = await aget_secret("prod/db", transform="json")     # async code: the fetch off the loop

Values are cached per sandbox in a bounded, thread-safe TTL cache shared by all
invocations. Lookups go through the AWS Parameters and Secrets Lambda Extension when it
answers (no boto3 import at all), else through boto3, whose clients are created on first
use. Importing this package imports neither boto3, botocore, pydantic nor cachetools.
"""

from __future__ import annotations

from lambda_toolkit.parameters._api import (
    AppConfigStore,
    clear_cache,
    configure_cache,
    get_app_config,
    get_default_provider,
    get_parameter,
    get_parameters,
    get_parameters_by_name,
    get_secret,
    get_secrets,
    set_default_provider,
    set_parameter,
    set_secret,
)
from lambda_toolkit.parameters._auto import AutoProvider
from lambda_toolkit.parameters._errors import (
    InvalidParameterNameError,
    InvalidParameterValueError,
    ParameterAccessDeniedError,
    ParameterBatchError,
    ParameterError,
    ParameterExistsError,
    ParameterFetchError,
    ParameterNotFoundError,
    ParameterThrottledError,
    ParameterWriteError,
    TransformError,
)
from lambda_toolkit.parameters._extension import ExtensionProvider, ExtensionUnavailableError
from lambda_toolkit.parameters._inject import Parameter, Secret, injected_parameters, with_parameters
from lambda_toolkit.parameters._masked import MaskedBytes, MaskedStr
from lambda_toolkit.parameters._sdk import SecretsProvider, SSMProvider

TYPE_CHECKING = False
if TYPE_CHECKING:
    from lambda_toolkit.parameters._appconfig import AppConfigExtensionProvider, AppConfigProvider
    from lambda_toolkit.parameters._async import (
        aget_app_config,
        aget_parameter,
        aget_parameters,
        aget_parameters_by_name,
        aget_secret,
        aget_secrets,
        aset_parameter,
        aset_secret,
    )
    from lambda_toolkit.parameters._dynamodb import DynamoDBProvider
    from lambda_toolkit.parameters._protocols import (
        BatchResult,
        ConfigurationProvider,
        Lookup,
        ParameterProvider,
        SecretProvider,
        Transform,
    )

__all__ = [
    "AppConfigExtensionProvider",
    "AppConfigProvider",
    "AppConfigStore",
    "AutoProvider",
    "BatchResult",
    "ConfigurationProvider",
    "DynamoDBProvider",
    "ExtensionProvider",
    "ExtensionUnavailableError",
    "InvalidParameterNameError",
    "InvalidParameterValueError",
    "Lookup",
    "MaskedBytes",
    "MaskedStr",
    "Parameter",
    "ParameterAccessDeniedError",
    "ParameterBatchError",
    "ParameterError",
    "ParameterExistsError",
    "ParameterFetchError",
    "ParameterNotFoundError",
    "ParameterProvider",
    "ParameterThrottledError",
    "ParameterWriteError",
    "SSMProvider",
    "Secret",
    "SecretProvider",
    "SecretsProvider",
    "Transform",
    "TransformError",
    "aget_app_config",
    "aget_parameter",
    "aget_parameters",
    "aget_parameters_by_name",
    "aget_secret",
    "aget_secrets",
    "aset_parameter",
    "aset_secret",
    "clear_cache",
    "configure_cache",
    "get_app_config",
    "get_default_provider",
    "get_parameter",
    "get_parameters",
    "get_parameters_by_name",
    "get_secret",
    "get_secrets",
    "injected_parameters",
    "set_default_provider",
    "set_parameter",
    "set_secret",
    "with_parameters",
]


# Loaded when asked for: the protocols and type aliases need typing, which lookups never
# do, the AppConfig and DynamoDB providers are for the functions that use them, and the
# async twins for async code.
_LAZY = {
    "BatchResult": "_protocols",
    "ConfigurationProvider": "_protocols",
    "Lookup": "_protocols",
    "ParameterProvider": "_protocols",
    "SecretProvider": "_protocols",
    "Transform": "_protocols",
    "AppConfigExtensionProvider": "_appconfig",
    "AppConfigProvider": "_appconfig",
    "DynamoDBProvider": "_dynamodb",
    # the async twins: for async code only
    "aget_app_config": "_async",
    "aget_parameter": "_async",
    "aget_parameters": "_async",
    "aget_parameters_by_name": "_async",
    "aget_secret": "_async",
    "aget_secrets": "_async",
    "aset_parameter": "_async",
    "aset_secret": "_async",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is not None:
        import importlib

        value = getattr(importlib.import_module(f"lambda_toolkit.parameters.{module}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lambda_toolkit.parameters' has no attribute {name!r}")
