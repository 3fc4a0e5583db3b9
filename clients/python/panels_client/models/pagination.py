from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.pagination_type import PaginationType
from ..types import UNSET, Unset

T = TypeVar("T", bound="Pagination")


@_attrs_define
class Pagination:
    """
    Attributes:
        cursor_param (str | Unset):  Default: 'cursor'.
        cursor_path (str | Unset):  Default: 'next_cursor'.
        limit_param (str | Unset):  Default: 'limit'.
        max_pages (int | Unset):  Default: 10000.
        offset_param (str | Unset):  Default: 'offset'.
        page_param (str | Unset):  Default: 'page'.
        page_size (int | None | Unset):
        size_param (None | str | Unset):
        start (int | Unset):  Default: 1.
        type_ (PaginationType | Unset):  Default: PaginationType.NONE.
    """

    cursor_param: str | Unset = "cursor"
    cursor_path: str | Unset = "next_cursor"
    limit_param: str | Unset = "limit"
    max_pages: int | Unset = 10000
    offset_param: str | Unset = "offset"
    page_param: str | Unset = "page"
    page_size: int | None | Unset = UNSET
    size_param: None | str | Unset = UNSET
    start: int | Unset = 1
    type_: PaginationType | Unset = PaginationType.NONE

    def to_dict(self) -> dict[str, Any]:
        cursor_param = self.cursor_param

        cursor_path = self.cursor_path

        limit_param = self.limit_param

        max_pages = self.max_pages

        offset_param = self.offset_param

        page_param = self.page_param

        page_size: int | None | Unset
        if isinstance(self.page_size, Unset):
            page_size = UNSET
        else:
            page_size = self.page_size

        size_param: None | str | Unset
        if isinstance(self.size_param, Unset):
            size_param = UNSET
        else:
            size_param = self.size_param

        start = self.start

        type_: str | Unset = UNSET
        if not isinstance(self.type_, Unset):
            type_ = self.type_.value

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if cursor_param is not UNSET:
            field_dict["cursor_param"] = cursor_param
        if cursor_path is not UNSET:
            field_dict["cursor_path"] = cursor_path
        if limit_param is not UNSET:
            field_dict["limit_param"] = limit_param
        if max_pages is not UNSET:
            field_dict["max_pages"] = max_pages
        if offset_param is not UNSET:
            field_dict["offset_param"] = offset_param
        if page_param is not UNSET:
            field_dict["page_param"] = page_param
        if page_size is not UNSET:
            field_dict["page_size"] = page_size
        if size_param is not UNSET:
            field_dict["size_param"] = size_param
        if start is not UNSET:
            field_dict["start"] = start
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cursor_param = d.pop("cursor_param", UNSET)

        cursor_path = d.pop("cursor_path", UNSET)

        limit_param = d.pop("limit_param", UNSET)

        max_pages = d.pop("max_pages", UNSET)

        offset_param = d.pop("offset_param", UNSET)

        page_param = d.pop("page_param", UNSET)

        def _parse_page_size(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(int | None | Unset, data)

        page_size = _parse_page_size(d.pop("page_size", UNSET))

        def _parse_size_param(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            from typing import cast

            return cast(None | str | Unset, data)

        size_param = _parse_size_param(d.pop("size_param", UNSET))

        start = d.pop("start", UNSET)

        _type_ = d.pop("type", UNSET)
        type_: PaginationType | Unset
        if isinstance(_type_, Unset):
            type_ = UNSET
        else:
            type_ = PaginationType(_type_)

        pagination = cls(
            cursor_param=cursor_param,
            cursor_path=cursor_path,
            limit_param=limit_param,
            max_pages=max_pages,
            offset_param=offset_param,
            page_param=page_param,
            page_size=page_size,
            size_param=size_param,
            start=start,
            type_=type_,
        )

        return pagination
