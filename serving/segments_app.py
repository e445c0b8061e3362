"""`POST /segments/preview`: how many clients an ad-hoc segment expression selects today, without saving it.

Counts over the latest audience table (the serving/segment_audience asset); answers with a few
member ids at most, never personal data. A bad expression is a 422 whose `error` names the
unknown identifier or the character where the syntax breaks.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from serving.errors import error_body
from serving.mounts import app_settings
from serving.segments import SegmentError, parse
from serving.segments.audience import audience_vocabulary, count_members, latest_audience
from serving.segments.parser import MAX_LENGTH
from wealthpulse.settings import Settings

MAX_SAMPLE = 20
segments_app = FastAPI(title="wealthpulse segments")


class PreviewRequest(BaseModel):
    expression: str = Field(
        min_length=1,
        max_length=MAX_LENGTH,
        description="A segment expression, e.g. tier in ('T4','T5') and churn_60d > 0.6 and risk_level >= 'C3'.",
    )
    sample: int = Field(default=5, ge=0, le=MAX_SAMPLE, description="How many member ids to return (lowest first).")


class PreviewResponse(BaseModel):
    expression: str
    as_of_date: str
    members: int
    audience: int
    share: float
    sample_client_ids: list[str]


@segments_app.exception_handler(RequestValidationError)
async def invalid_body(_: Request, error: RequestValidationError) -> JSONResponse:
    return JSONResponse(status_code=422, content=error_body(list(error.errors()), hidden=("body",)))


@segments_app.exception_handler(SegmentError)
async def invalid_expression(_: Request, error: SegmentError) -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={
            "error": f"expression: {error}",
            "detail": [
                {
                    "field": "expression",
                    "loc": ["body", "expression"],
                    "msg": error.message,
                    "type": type(error).__name__,
                    "position": error.position,
                }
            ],
        },
    )


@segments_app.post("/preview", response_model=PreviewResponse)
def preview(request: PreviewRequest, settings: Annotated[Settings, Depends(app_settings)]):
    path = latest_audience(settings.audience_root)
    if path is None:
        return JSONResponse(
            status_code=404, content={"error": "no audience table yet: materialize serving/segment_audience"}
        )
    vocabulary = audience_vocabulary(path)
    tree = parse(request.expression, vocabulary)
    members, audience, ids = count_members(path, tree, vocabulary, sample=request.sample)
    return PreviewResponse(
        expression=request.expression,
        as_of_date=path.parent.name.removeprefix("dt="),
        members=members,
        audience=audience,
        share=members / audience if audience else 0.0,
        sample_client_ids=ids,
    )
