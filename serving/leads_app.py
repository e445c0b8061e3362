"""`GET /leads?advisor_id=...&date=...`: an advisor's leads of a day, from the daily lead list."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Query

from serving.mounts import app_settings
from wealthpulse.settings import Settings

leads_app = FastAPI(title="wealthpulse leads")
ADVISOR_PATTERN = r"^(A\d{4}|pool)$"


@leads_app.get("")
@leads_app.get("/")
def advisor_leads(
    advisor_id: Annotated[
        str, Query(pattern=ADVISOR_PATTERN, description="Advisor id, or `pool` for unassigned clients.")
    ],
    day: Annotated[date, Query(alias="date", description="The lead list's day (YYYY-MM-DD).")],
    settings: Annotated[Settings, Depends(app_settings)],
) -> dict:
    path = settings.leads_file(day)
    if not path.exists():
        raise HTTPException(status_code=404, detail=f"date: no lead list for {day.isoformat()}")
    frame = pd.read_parquet(path)
    mine = frame[frame["advisor_id"] == advisor_id].sort_values("priority", kind="stable")
    records = mine.drop(columns=["advisor_id"]).to_dict(orient="records")
    for record in records:
        for key in ("lead_date", "expires_on"):
            record[key] = str(record[key])
        record["product_ids"] = list(record["product_ids"])
        record["reasons"] = list(record["reasons"])
    return {"advisor_id": advisor_id, "date": day.isoformat(), "leads": records}
