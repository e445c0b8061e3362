"""`GET /leads?advisor_id=...`: an advisor's work of the day, from the daily lead list.

By default the advisor's assigned leads of the newest lead day, within capacity, by priority. Deferred
leads (over capacity) and the pool's (clients without an advisor) only when asked for with `assignment`;
every answer is a page (`limit`, `offset`) that says the total. A bad parameter is a 422 naming it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from serving.errors import error_body
from serving.lead_rules import ADVISOR, DEFERRED, POOL
from serving.mounts import app_settings
from serving.schemas import LeadsPage
from wealthpulse.settings import Settings, days_written

leads_app = FastAPI(title="wealthpulse leads")
ADVISOR_PATTERN = r"^(A\d{4}|pool)$"
MAX_LIMIT = 500
DEFAULT_LIMIT = 50


def _invalid(field: str, message: str, value: object) -> JSONResponse:
    detail = [{"field": field, "loc": ["query", field], "msg": message, "type": "value_error"}]
    return JSONResponse(status_code=422, content={"error": f"{field}: {message} (got {value!r})", "detail": detail})


@leads_app.exception_handler(RequestValidationError)
async def invalid_query(_: Request, error: RequestValidationError) -> JSONResponse:
    return JSONResponse(status_code=422, content=error_body(list(error.errors()), hidden=("query", "body")))


@leads_app.get("", include_in_schema=False)
@leads_app.get(
    "/",
    response_model=LeadsPage,
    summary="An advisor's leads of a day",
    description=(
        "The advisor's assigned leads of the day (within the daily capacity, by priority) unless `assignment` "
        "asks for the deferred ones (over capacity, kept until they expire) or the pool's (clients without "
        "an advisor). Paged by `limit` and `offset`; `total` counts them all. 404 when the day has no list."
    ),
    responses={404: {"description": "No lead list for that day (or none at all)."}},
)
def advisor_leads(
    settings: Annotated[Settings, Depends(app_settings)],
    advisor_id: Annotated[
        str | None,
        Query(
            pattern=ADVISOR_PATTERN,
            description="Advisor id (A followed by 4 digits); needed unless assignment=pool. `pool` is the same "
            "as assignment=pool.",
            examples=["A0014"],
        ),
    ] = None,
    day: Annotated[
        date | None,
        Query(alias="date", description="The lead list's day (YYYY-MM-DD); by default the newest one."),
    ] = None,
    assignment: Annotated[
        Literal["advisor", "deferred", "pool"],
        Query(description="advisor: the day's work; deferred: over capacity; pool: leads of unassigned clients."),
    ] = ADVISOR,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Most leads on a page, 1 to {MAX_LIMIT}.")] = (
        DEFAULT_LIMIT
    ),
    offset: Annotated[int, Query(ge=0, description="Leads to skip: the previous page's next_offset.")] = 0,
):
    if advisor_id == POOL:
        if assignment == DEFERRED:
            return _invalid("assignment", "the pool has no deferred leads (it has no capacity)", assignment)
        assignment = POOL
    if assignment != POOL and advisor_id is None:
        return _invalid("advisor_id", f"required for assignment={assignment}", None)
    day = day or max(days_written(settings.leads_file), default=None)
    if day is None:
        raise HTTPException(status_code=404, detail="date: no lead list has been built yet")
    path = settings.leads_file(day)
    if not path.exists():
        raise HTTPException(status_code=404, detail=f"date: no lead list for {day.isoformat()}")
    filters = [("assignment", "=", assignment)]
    if assignment != POOL:
        filters.append(("advisor_id", "=", advisor_id))
    frame = pd.read_parquet(path, filters=filters).sort_values("priority", kind="stable")
    page = frame.iloc[offset : offset + limit].drop(columns=["advisor_id"])
    records = page.to_dict(orient="records")
    for record in records:
        for key in ("lead_date", "opened_on", "expires_on"):
            record[key] = str(record[key])[:10]
        record["product_ids"] = list(record["product_ids"])
        record["reasons"] = list(record["reasons"])
    end = offset + len(records)
    return {
        "advisor_id": None if assignment == POOL else advisor_id,
        "date": day.isoformat(),
        "assignment": assignment,
        "total": len(frame),
        "offset": offset,
        "limit": limit,
        "next_offset": end if end < len(frame) else None,
        "leads": records,
    }
