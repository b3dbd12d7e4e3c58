"""How this project's marshmallow schemas read as JSON Schema: apispec's
converter, taught the fields of schemas/ and the convention that an answer
writes every field it declares."""

from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from apispec.ext.marshmallow.common import get_fields, resolve_schema_instance
from marshmallow import fields

from schemas.base import MAX_ID, Cursor, StrictInteger, StrictSchema
from schemas.comments import EMAIL_MAX, EmailAddress


class ContractConverter(OpenAPIConverter):
    """apispec's marshmallow converter, taught this project's fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_attribute_function(ContractConverter.project_field)
        self.add_attribute_function(ContractConverter.dumped_type)
        self.add_parameter_attribute_function(ContractConverter.query_value)

    def schema2jsonschema(self, schema):
        """apispec's JSON Schema, with every field of an answer required."""
        jsonschema = super().schema2jsonschema(schema)
        if not isinstance(resolve_schema_instance(schema), StrictSchema):
            # An output: a dump writes every field it declares (null where empty).
            jsonschema["required"] = sorted(
                field.data_key or name for name, field in get_fields(schema).items()
                if not field.metadata.get("optional")
            )
        return jsonschema

    def project_field(self, field, **_):
        """Limits that live in the field classes and schema instances of schemas/."""
        if isinstance(field, Cursor):
            return {"type": ["string", "null"], "description": "Opaque; null on the last page."}
        if isinstance(field, StrictInteger):
            return {"minimum": 1, "maximum": MAX_ID}
        if isinstance(field, EmailAddress):
            return {"format": "email", "maxLength": EMAIL_MAX}
        limit = getattr(field.parent, f"{field.name}_max_length", None)
        return {"minLength": 1, "maxLength": limit} if limit else {}

    def query_value(self, field, ret, **_):
        """A query string has no null: an absent parameter takes the default."""
        schema = dict(ret["schema"])
        if isinstance(schema.get("type"), list):
            kinds = [kind for kind in schema["type"] if kind != "null"]
            schema["type"] = kinds[0] if len(kinds) == 1 else kinds
        if schema.get("default", "") is None:
            del schema["default"]
        return {"schema": schema}

    def dumped_type(self, field, **_):
        """A Function field's type, from metadata={"dumps": ...}."""
        if not isinstance(field, fields.Function | fields.Method):
            return {}
        if "dumps" not in field.metadata:
            raise TypeError(f"{type(field.parent).__name__}.{field.name}: a Function field "
                            "needs metadata={'dumps': ...} for the OpenAPI description")
        return self.describe(field.metadata["dumps"])

    def describe(self, dumps):
        """A schema class, [x] for a list of x, (a, b) for one of them, or a JSON Schema dict."""
        if isinstance(dumps, list):
            return {"type": "array", "items": self.describe(dumps[0])}
        if isinstance(dumps, tuple):
            return {"oneOf": [self.describe(each) for each in dumps]}
        if isinstance(dumps, dict):
            return dumps
        return self.resolve_nested_schema(dumps)


class ContractPlugin(MarshmallowPlugin):
    Converter = ContractConverter
