"""Contains all the data models used in inputs/outputs"""

from .aggregate_spec import AggregateSpec
from .aggregate_spec_function import AggregateSpecFunction
from .aggregates_public import AggregatesPublic
from .aggregates_public_footer import AggregatesPublicFooter
from .api_token_create import ApiTokenCreate
from .api_token_created import ApiTokenCreated
from .api_token_public import ApiTokenPublic
from .apply_request import ApplyRequest
from .apply_request_secrets import ApplyRequestSecrets
from .apply_result import ApplyResult
from .attempt_outcome import AttemptOutcome
from .attempt_public import AttemptPublic
from .audit_event_public import AuditEventPublic
from .audit_event_public_after_type_0 import AuditEventPublicAfterType0
from .audit_event_public_before_type_0 import AuditEventPublicBeforeType0
from .change import Change
from .change_action import ChangeAction
from .change_fields import ChangeFields
from .change_object_type import ChangeObjectType
from .chart_spec import ChartSpec
from .chart_spec_kind import ChartSpecKind
from .check_result import CheckResult
from .column_create import ColumnCreate
from .column_doc import ColumnDoc
from .column_info import ColumnInfo
from .column_mapping import ColumnMapping
from .column_public import ColumnPublic
from .column_type import ColumnType
from .column_update import ColumnUpdate
from .columns_from_source import ColumnsFromSource
from .columns_from_source_public import ColumnsFromSourcePublic
from .definitions_schema_response_definitions_schema_api_v1_definitions_schema_get import (
    DefinitionsSchemaResponseDefinitionsSchemaApiV1DefinitionsSchemaGet,
)
from .delivery_detail import DeliveryDetail
from .delivery_public import DeliveryPublic
from .delivery_state import DeliveryState
from .event_type import EventType
from .export_rows_format import ExportRowsFormat
from .field_error import FieldError
from .file_config import FileConfig
from .file_config_format_type_0 import FileConfigFormatType0
from .file_config_schema_drift import FileConfigSchemaDrift
from .filter_operators import FilterOperators
from .filter_operators_operators import FilterOperatorsOperators
from .filter_operators_types import FilterOperatorsTypes
from .formula_preview import FormulaPreview
from .formula_preview_public import FormulaPreviewPublic
from .function_list import FunctionList
from .function_public import FunctionPublic
from .group_public import GroupPublic
from .group_public_group import GroupPublicGroup
from .group_public_values import GroupPublicValues
from .health_response_health_health_get import HealthResponseHealthHealthGet
from .http_config import HttpConfig
from .http_config_params import HttpConfigParams
from .http_config_schema_drift import HttpConfigSchemaDrift
from .incremental_sync import IncrementalSync
from .incremental_sync_mode import IncrementalSyncMode
from .me import Me
from .operator_public import OperatorPublic
from .page_api_token_public import PageApiTokenPublic
from .page_audit_event_public import PageAuditEventPublic
from .page_column_public import PageColumnPublic
from .page_delivery_public import PageDeliveryPublic
from .page_panel_public import PagePanelPublic
from .page_quality_rule_public import PageQualityRulePublic
from .page_source_public import PageSourcePublic
from .page_sync_public import PageSyncPublic
from .page_user_public import PageUserPublic
from .page_version_public import PageVersionPublic
from .page_view_public import PageViewPublic
from .page_webhook_public import PageWebhookPublic
from .pagination import Pagination
from .pagination_type import PaginationType
from .panel_create import PanelCreate
from .panel_doc import PanelDoc
from .panel_public import PanelPublic
from .panel_update import PanelUpdate
from .panels_file import PanelsFile
from .plan_summary import PlanSummary
from .preview_field_public import PreviewFieldPublic
from .preview_options import PreviewOptions
from .preview_row import PreviewRow
from .preview_row_inputs import PreviewRowInputs
from .problem import Problem
from .quality_rule_create import QualityRuleCreate
from .quality_rule_create_kind import QualityRuleCreateKind
from .quality_rule_create_params import QualityRuleCreateParams
from .quality_rule_create_severity import QualityRuleCreateSeverity
from .quality_rule_public import QualityRulePublic
from .quality_rule_public_params import QualityRulePublicParams
from .quality_rule_update import QualityRuleUpdate
from .quality_rule_update_params_type_0 import QualityRuleUpdateParamsType0
from .quality_rule_update_severity_type_0 import QualityRuleUpdateSeverityType0
from .role import Role
from .row_group import RowGroup
from .row_group_group import RowGroupGroup
from .rows_page import RowsPage
from .rows_page_data_item import RowsPageDataItem
from .secret_ref import SecretRef
from .secret_rotate import SecretRotate
from .secret_rotated import SecretRotated
from .skipped_field import SkippedField
from .sort_spec import SortSpec
from .sort_spec_direction import SortSpecDirection
from .source_create import SourceCreate
from .source_create_secrets_type_0 import SourceCreateSecretsType0
from .source_doc import SourceDoc
from .source_doc_config import SourceDocConfig
from .source_doc_secrets_type_0 import SourceDocSecretsType0
from .source_doc_secrets_type_0_additional_property_type_1 import (
    SourceDocSecretsType0AdditionalPropertyType1,
)
from .source_kind import SourceKind
from .source_preview import SourcePreview
from .source_preview_request import SourcePreviewRequest
from .source_preview_rows_item import SourcePreviewRowsItem
from .source_public import SourcePublic
from .source_public_config import SourcePublicConfig
from .source_update import SourceUpdate
from .source_update_config_type_0 import SourceUpdateConfigType0
from .source_update_secrets_type_0 import SourceUpdateSecretsType0
from .sql_config import SqlConfig
from .sql_config_schema_drift import SqlConfigSchemaDrift
from .sync_create import SyncCreate
from .sync_public import SyncPublic
from .takes import Takes
from .token_request import TokenRequest
from .token_response import TokenResponse
from .token_scope import TokenScope
from .type_operators_public import TypeOperatorsPublic
from .user_create import UserCreate
from .user_created import UserCreated
from .user_public import UserPublic
from .user_update import UserUpdate
from .version_checks import VersionChecks
from .version_public import VersionPublic
from .view_column_doc import ViewColumnDoc
from .view_column_in import ViewColumnIn
from .view_column_public import ViewColumnPublic
from .view_create import ViewCreate
from .view_create_filters_type_0 import ViewCreateFiltersType0
from .view_doc import ViewDoc
from .view_doc_filters_type_0 import ViewDocFiltersType0
from .view_public import ViewPublic
from .view_public_filters_type_0 import ViewPublicFiltersType0
from .view_update import ViewUpdate
from .view_update_filters_type_0 import ViewUpdateFiltersType0
from .webhook_create import WebhookCreate
from .webhook_created import WebhookCreated
from .webhook_public import WebhookPublic
from .webhook_update import WebhookUpdate

__all__ = (
    "AggregateSpec",
    "AggregateSpecFunction",
    "AggregatesPublic",
    "AggregatesPublicFooter",
    "ApiTokenCreate",
    "ApiTokenCreated",
    "ApiTokenPublic",
    "ApplyRequest",
    "ApplyRequestSecrets",
    "ApplyResult",
    "AttemptOutcome",
    "AttemptPublic",
    "AuditEventPublic",
    "AuditEventPublicAfterType0",
    "AuditEventPublicBeforeType0",
    "Change",
    "ChangeAction",
    "ChangeFields",
    "ChangeObjectType",
    "ChartSpec",
    "ChartSpecKind",
    "CheckResult",
    "ColumnCreate",
    "ColumnDoc",
    "ColumnInfo",
    "ColumnMapping",
    "ColumnPublic",
    "ColumnsFromSource",
    "ColumnsFromSourcePublic",
    "ColumnType",
    "ColumnUpdate",
    "DefinitionsSchemaResponseDefinitionsSchemaApiV1DefinitionsSchemaGet",
    "DeliveryDetail",
    "DeliveryPublic",
    "DeliveryState",
    "EventType",
    "ExportRowsFormat",
    "FieldError",
    "FileConfig",
    "FileConfigFormatType0",
    "FileConfigSchemaDrift",
    "FilterOperators",
    "FilterOperatorsOperators",
    "FilterOperatorsTypes",
    "FormulaPreview",
    "FormulaPreviewPublic",
    "FunctionList",
    "FunctionPublic",
    "GroupPublic",
    "GroupPublicGroup",
    "GroupPublicValues",
    "HealthResponseHealthHealthGet",
    "HttpConfig",
    "HttpConfigParams",
    "HttpConfigSchemaDrift",
    "IncrementalSync",
    "IncrementalSyncMode",
    "Me",
    "OperatorPublic",
    "PageApiTokenPublic",
    "PageAuditEventPublic",
    "PageColumnPublic",
    "PageDeliveryPublic",
    "PagePanelPublic",
    "PageQualityRulePublic",
    "PageSourcePublic",
    "PageSyncPublic",
    "PageUserPublic",
    "PageVersionPublic",
    "PageViewPublic",
    "PageWebhookPublic",
    "Pagination",
    "PaginationType",
    "PanelCreate",
    "PanelDoc",
    "PanelPublic",
    "PanelsFile",
    "PanelUpdate",
    "PlanSummary",
    "PreviewFieldPublic",
    "PreviewOptions",
    "PreviewRow",
    "PreviewRowInputs",
    "Problem",
    "QualityRuleCreate",
    "QualityRuleCreateKind",
    "QualityRuleCreateParams",
    "QualityRuleCreateSeverity",
    "QualityRulePublic",
    "QualityRulePublicParams",
    "QualityRuleUpdate",
    "QualityRuleUpdateParamsType0",
    "QualityRuleUpdateSeverityType0",
    "Role",
    "RowGroup",
    "RowGroupGroup",
    "RowsPage",
    "RowsPageDataItem",
    "SecretRef",
    "SecretRotate",
    "SecretRotated",
    "SkippedField",
    "SortSpec",
    "SortSpecDirection",
    "SourceCreate",
    "SourceCreateSecretsType0",
    "SourceDoc",
    "SourceDocConfig",
    "SourceDocSecretsType0",
    "SourceDocSecretsType0AdditionalPropertyType1",
    "SourceKind",
    "SourcePreview",
    "SourcePreviewRequest",
    "SourcePreviewRowsItem",
    "SourcePublic",
    "SourcePublicConfig",
    "SourceUpdate",
    "SourceUpdateConfigType0",
    "SourceUpdateSecretsType0",
    "SqlConfig",
    "SqlConfigSchemaDrift",
    "SyncCreate",
    "SyncPublic",
    "Takes",
    "TokenRequest",
    "TokenResponse",
    "TokenScope",
    "TypeOperatorsPublic",
    "UserCreate",
    "UserCreated",
    "UserPublic",
    "UserUpdate",
    "VersionChecks",
    "VersionPublic",
    "ViewColumnDoc",
    "ViewColumnIn",
    "ViewColumnPublic",
    "ViewCreate",
    "ViewCreateFiltersType0",
    "ViewDoc",
    "ViewDocFiltersType0",
    "ViewPublic",
    "ViewPublicFiltersType0",
    "ViewUpdate",
    "ViewUpdateFiltersType0",
    "WebhookCreate",
    "WebhookCreated",
    "WebhookPublic",
    "WebhookUpdate",
)
