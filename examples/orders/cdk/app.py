"""The example application deployed with the AWS CDK (Python): the same resources as ../template.yaml.

    cd examples/orders/cdk
    pip install -r requirements.txt        # aws-cdk-lib and constructs (they run on Node.js)
    npm install -g aws-cdk                 # the cdk command
    cdk synth                              # or: cdk deploy
    lambda-toolkit doctor cdk.out/OrdersStack.template.json

The layer zip is built first, from the repository root, with
``lambda-toolkit layer build --python 3.12 --arch x86_64``; another path can be given with
``cdk synth -c layer_zip=PATH``. The payment secret's name is ``orders/payment`` unless
``-c payment_secret_name=NAME`` says otherwise.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

HERE = Path(__file__).resolve().parent
CODE = HERE.parent  # examples/orders: the orders package
DEFAULT_LAYER_ZIP = HERE.parents[2] / "lambda-toolkit-layer-py3.12-x86_64.zip"

WORKER_TIMEOUT_S = 30
# SQS returns a message to the queue after its visibility timeout: at least six times the
# worker's timeout, so a batch Lambda still processes (or retries) is not delivered twice.
QUEUE_VISIBILITY_S = 6 * WORKER_TIMEOUT_S


class OrdersStack(cdk.Stack):
    """The HTTP API that creates orders and the queue worker that fulfils them."""

    def __init__(
        self, scope: Construct, construct_id: str, *, layer_zip: str, payment_secret_name: str, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]

        layer = lambda_.LayerVersion(
            self,
            "ToolkitLayer",
            layer_version_name="lambda-toolkit-aws",
            description="lambda-toolkit-aws (import lambda_toolkit) and its dependencies",
            code=lambda_.Code.from_asset(layer_zip),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
            compatible_architectures=[lambda_.Architecture.X86_64],
        )

        # The store's defaults: string partition key "id", expiry (epoch seconds) in "expiration".
        table = dynamodb.Table(
            self,
            "IdempotencyTable",
            partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute="expiration",
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )

        dead_letters = sqs.Queue(self, "OrdersDeadLetterQueue", retention_period=cdk.Duration.days(14))
        queue = sqs.Queue(
            self,
            "OrdersQueue",
            visibility_timeout=cdk.Duration.seconds(QUEUE_VISIBILITY_S),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=5),
        )

        code = lambda_.Code.from_asset(str(CODE), exclude=["cdk", "cdk.out", "*.yaml", "**/__pycache__"])
        common = {
            "runtime": lambda_.Runtime.PYTHON_3_12,
            "architecture": lambda_.Architecture.X86_64,
            "memory_size": 256,
            "tracing": lambda_.Tracing.ACTIVE,
            "layers": [layer],
            "code": code,
        }

        create_order = lambda_.Function(
            self,
            "CreateOrderFunction",
            handler="orders.api.create_order",
            timeout=cdk.Duration.seconds(10),
            environment={
                "LAMBDA_TOOLKIT_SERVICE": "orders",
                "LAMBDA_TOOLKIT_METRICS_NAMESPACE": "Orders",
                "IDEMPOTENCY_TABLE": table.table_name,
                "ORDERS_QUEUE_URL": queue.queue_url,
                "PAYMENT_SECRET_NAME": payment_secret_name,
            },
            **common,  # type: ignore[arg-type]
        )
        # Exactly the calls DynamoDBStore makes: no Scan, no Query, no table administration.
        create_order.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                resources=[table.table_arn],
            )
        )
        queue.grant_send_messages(create_order)
        # The payment provider's key: a JSON secret created outside the stack.
        secretsmanager.Secret.from_secret_name_v2(self, "PaymentSecret", payment_secret_name).grant_read(create_order)

        api = apigw.HttpApi(self, "OrdersApi")
        api.add_routes(
            path="/orders",
            methods=[apigw.HttpMethod.POST],
            integration=integrations.HttpLambdaIntegration("CreateOrder", create_order),
        )

        fulfil_order = lambda_.Function(
            self,
            "FulfilOrderFunction",
            handler="orders.worker.fulfil_order",
            timeout=cdk.Duration.seconds(WORKER_TIMEOUT_S),
            environment={"LAMBDA_TOOLKIT_SERVICE": "orders-worker", "LAMBDA_TOOLKIT_METRICS_NAMESPACE": "Orders"},
            **common,  # type: ignore[arg-type]
        )
        # The event source grants the queue permissions; @batch answers with
        # batchItemFailures, which Lambda reads only with ReportBatchItemFailures on.
        fulfil_order.add_event_source(sources.SqsEventSource(queue, batch_size=10, report_batch_item_failures=True))

        cdk.CfnOutput(self, "OrdersApiUrl", description="POST /orders here", value=f"{api.api_endpoint}/orders")


app = cdk.App()
OrdersStack(
    app,
    "OrdersStack",
    layer_zip=app.node.try_get_context("layer_zip") or str(DEFAULT_LAYER_ZIP),
    payment_secret_name=app.node.try_get_context("payment_secret_name") or "orders/payment",
)
app.synth()
