"""mockso.core.handlers: operationIds to actions, entities and their id parameter, handlers."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest

from mockso.core.auth import ANONYMOUS
from mockso.core.contract import Contract
from mockso.core.contract import Operation
from mockso.core.handlers import Call
from mockso.core.handlers import Handlers
from mockso.core.handlers import Reply
from mockso.core.handlers import action_of
from mockso.core.handlers import entity_id_parameter
from mockso.core.handlers import entity_of

CONTRACT = Contract.from_path()
ENTITY_IDS = {
    "Contact": "contactId",
    "Person": "personId",
    "Product": "productId",
    "Project": "projectId",
}


def operation(
    operation_id: str = "v1Thing_Do", tags: tuple[str, ...] = ("Thing",), **kw: Any
) -> Operation:
    fields: dict[str, Any] = {
        "operation_id": operation_id,
        "method": "GET",
        "path": "/x",
        "tags": tags,
        "summary": "",
        "parameters": (),
        "request_body": None,
        "responses": {},
        "security": (),
    }
    fields.update(kw)
    return Operation(**fields)


def call(op: Operation, params: dict[str, Any]) -> Call:
    return Call(operation=op, params=params, principal=ANONYMOUS, zone=(UTC, True))


@pytest.mark.parametrize(
    ("operation_id", "action"),
    [
        ("v1ProjectEntity_SaveImage_POST", "SaveImage"),
        ("v1ProjectEntity_SaveImage", "SaveImage"),
        ("v1Product_GetImage", "GetImage"),
        ("v1Product_SaveImage_POST", "SaveImage"),
        ("v1PersonEntity_PutImageInfo", "PutImageInfo"),
        ("v1ContactEntity_DeleteImageContent", "DeleteImageContent"),
        ("v1ContactEntity_GetImageInfo", "GetImageInfo"),
        ("v12Thing_Do", "Do"),
        ("v1Entity_Do", "Do"),
        ("v1EntityEntity_Do", "Do"),
    ],
)
def test_action_of_reads_the_action_of_a_superoffice_operation_id(
    operation_id: str, action: str
) -> None:
    assert action_of(operation_id) == action


@pytest.mark.parametrize(
    "operation_id",
    [
        "",
        "SaveImage",
        "v1Project",
        "v1Project_",
        "v1_SaveImage",
        "Project_SaveImage",
        "vXProject_SaveImage",
        "v1Project_SaveImage_post",
        "v1Project_Save_Image",
        "v1Project_SaveImage_POST_X",
        "v1Project_Save-Image",
        "v1Project_SaveImage2",
        "v1Project_SaveImage ",
        "getProjectImage",
    ],
)
def test_action_of_is_none_for_other_id_shapes(operation_id: str) -> None:
    assert action_of(operation_id) is None


def test_every_bundled_operation_has_one_of_five_actions() -> None:
    actions = {action_of(op.operation_id) for op in CONTRACT}
    assert actions == {
        "GetImage",
        "SaveImage",
        "DeleteImageContent",
        "GetImageInfo",
        "PutImageInfo",
    }


@pytest.mark.parametrize(
    ("tags", "entity"),
    [(("Person",), "Person"), ((), None), (("Person", "Contact"), None)],
)
def test_entity_of_is_the_single_tag(tags: tuple[str, ...], entity: str | None) -> None:
    assert entity_of(operation(tags=tags)) == entity


@pytest.mark.parametrize("op", list(CONTRACT), ids=lambda op: op.operation_id)
def test_every_bundled_operation_has_an_entity_and_its_id_parameter(op: Operation) -> None:
    entity = entity_of(op)
    assert entity in ENTITY_IDS
    assert entity_id_parameter(op) == ENTITY_IDS[entity]


def test_project_put_image_info_finds_its_id_in_the_query() -> None:
    op = CONTRACT.operation("v1ProjectEntity_PutImageInfo")
    name = entity_id_parameter(op)
    assert name == "projectId"
    parameter = op.parameter(name)
    assert parameter is not None
    assert parameter.location == "query"


@pytest.mark.parametrize(
    ("tags", "parameter_names", "expected"),
    [
        (("Thing",), ("thingId",), "thingId"),
        (("SalesItem",), ("salesItemId",), "salesItemId"),
        (("Thing",), ("id",), None),
        (("Thing",), ("ThingId",), None),
        ((), ("thingId",), None),
    ],
)
def test_entity_id_parameter_is_the_lower_camel_entity_with_id(
    tags: tuple[str, ...], parameter_names: tuple[str, ...], expected: str | None
) -> None:
    op = Contract.from_dict(
        {
            "paths": {
                "/x": {
                    "get": {
                        "operationId": "v1X_Do",
                        "tags": list(tags),
                        "parameters": [
                            {"name": name, "in": "path", "schema": {"type": "integer"}}
                            for name in parameter_names
                        ],
                        "responses": {"200": {"description": "ok"}},
                    }
                }
            }
        }
    ).operation("v1X_Do")
    assert entity_id_parameter(op) == expected


# -- handler look-up --------------------------------------------------------------------------


def reply_ok(call: Call) -> Reply:
    return Reply(status=200)


def reply_gone(call: Call) -> Reply:
    return Reply(status=204)


def test_for_operation_finds_the_handler_registered_for_the_action() -> None:
    handlers = Handlers()
    handlers.register("SaveImage", reply_ok)
    handlers.register("DeleteImageContent", reply_gone)
    for op in CONTRACT:
        expected = {"SaveImage": reply_ok, "DeleteImageContent": reply_gone}.get(
            action_of(op.operation_id) or ""
        )
        assert handlers.for_operation(op) is expected


def test_registering_an_action_again_replaces_its_handler() -> None:
    handlers = Handlers()
    handlers.register("GetImage", reply_ok)
    handlers.register("GetImage", reply_gone)
    assert handlers.for_operation(CONTRACT.operation("v1Product_GetImage")) is reply_gone


@pytest.mark.parametrize(
    "op",
    [
        operation("odd-id", ("Thing",)),  # no action in the id
        operation("v1Thing_GetImage", ("Thing",)),  # no thingId parameter
        operation("v1Thing_GetImage", ()),  # no entity
    ],
)
def test_for_operation_is_none_without_an_action_or_an_entity_id(op: Operation) -> None:
    handlers = Handlers()
    handlers.register("GetImage", reply_ok)
    assert handlers.for_operation(op) is None


# -- calls and replies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation_id", "params", "entity", "entity_id"),
    [
        ("v1PersonEntity_GetImage", {"personId": 5, "w": 10}, "Person", 5),
        ("v1ProjectEntity_PutImageInfo", {"id": "x", "projectId": 12}, "Project", 12),
        ("v1Product_SaveImage", {"productId": "7"}, "Product", 7),
        ("v1ContactEntity_DeleteImageContent", {"contactId": -1}, "Contact", -1),
    ],
)
def test_a_call_knows_its_entity_and_entity_id(
    operation_id: str, params: dict[str, Any], entity: str, entity_id: int
) -> None:
    c = call(CONTRACT.operation(operation_id), params)
    assert (c.entity, c.entity_id) == (entity, entity_id)


def test_a_call_of_an_operation_without_an_entity_has_id_zero() -> None:
    c = call(operation("v1X_Do", ()), {"xId": 3})
    assert (c.entity, c.entity_id) == ("", 0)


def test_calls_and_replies_start_empty() -> None:
    c = call(CONTRACT.operation("v1Product_GetImage"), {"productId": 1})
    assert (c.accept, c.answer_type, c.body, c.body_type) == (None, "", None, None)
    reply = Reply()
    assert (reply.status, reply.value, reply.raw, reply.media_type, reply.dumped) == (
        200,
        None,
        None,
        None,
        False,
    )
    assert reply.headers == {}
    assert Reply().headers is not reply.headers  # no shared mutable default
