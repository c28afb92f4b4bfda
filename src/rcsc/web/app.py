"""The ASGI app factory: `uvicorn --factory rcsc.web.app:create_app`."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from rcsc import __version__
from rcsc.config import Settings, load_settings
from rcsc.core.clock import Clock
from rcsc.exchange.scheduler import Scheduler
from rcsc.exercises.worker import ReleaseWorker
from rcsc.intel import warninglists
from rcsc.intel.alerts import rules_of
from rcsc.intel.worker import Indexer
from rcsc.notify.worker import Deliverer
from rcsc.storage import Database
from rcsc.web import errors, taxii
from rcsc.web.api import alerts as alerts_api
from rcsc.web.api import analytics as analytics_api
from rcsc.web.api import attachments as attachments_api
from rcsc.web.api import audit as audit_api
from rcsc.web.api import exchange_files as exchange_files_api
from rcsc.web.api import exercises as exercises_api
from rcsc.web.api import exercises_files as exercises_files_api
from rcsc.web.api import exercises_msel as exercises_msel_api
from rcsc.web.api import exercises_plan as exercises_plan_api
from rcsc.web.api import health
from rcsc.web.api import identity as identity_api
from rcsc.web.api import incidents as incidents_api
from rcsc.web.api import intel as intel_api
from rcsc.web.api import intel_verdicts as intel_verdicts_api
from rcsc.web.api import peers as peers_api
from rcsc.web.api import public as public_api
from rcsc.web.api import tokens as tokens_api
from rcsc.web.api import webhooks as webhooks_api
from rcsc.web.i18n import load_catalogues
from rcsc.web.limits import BodyLimit, upload_limits
from rcsc.web.pages import admin as admin_pages
from rcsc.web.pages import alerts as alert_pages
from rcsc.web.pages import auth as auth_pages
from rcsc.web.pages import dashboard as dashboard_pages
from rcsc.web.pages import exchange_files as exchange_pages
from rcsc.web.pages import exercises as exercise_pages
from rcsc.web.pages import exercises_run as exercise_run_pages
from rcsc.web.pages import incidents as incident_pages
from rcsc.web.pages import intel as intel_pages
from rcsc.web.pages import intel_tools as intel_tool_pages
from rcsc.web.pages import me as me_pages
from rcsc.web.pages import peers as peer_pages
from rcsc.web.pages.render import make_environment
from rcsc.web.state import AppState

STATIC_DIR = Path(__file__).parent / "static"
log = logging.getLogger("rcsc.web")


def create_app(
    settings: Settings | None = None, *, db: Database | None = None, clock: Clock | None = None
) -> FastAPI:
    settings = settings or load_settings()
    db = db or Database(settings.effective_database_url, clock=clock,
                        busy_timeout_ms=settings.sqlite_busy_timeout_ms)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        log.info("RCSC %s serving node %s on %s", __version__, settings.node_name, db.dialect)
        db.start_checkpointer()
        # The warninglists index (seconds of pure Python, tens of MB) is built before the
        # first request: built later, by whichever request or indexer round first needs it,
        # it held the interpreter for seconds while requests waited.
        warninglists.use_cache(settings.effective_cache_dir)
        warninglists.shipped()
        # Everything loaded so far (the app, its libraries, the warninglists) lives as long as
        # the process: out of the collector's sight, a bulk request's many young objects no
        # longer make it walk them all again (measured: 7 % of a TAXII POST's CPU).
        gc.freeze()
        scheduler = Scheduler(db, settings) if settings.federation_scheduler else None
        if scheduler is not None:
            scheduler.start()
        indexer = Indexer(db, settings.intel_index_seconds, rules_of(settings))
        indexer.start()
        deliverer = Deliverer(db, settings)  # alerts' webhooks and mail, after commit
        deliverer.start()
        releases = ReleaseWorker(db, settings.exercise_tick_seconds, settings)
        releases.start()
        yield
        releases.stop()
        deliverer.stop()
        indexer.stop()
        if scheduler is not None:
            scheduler.stop()
        db.dispose()  # graceful shutdown: in-flight requests have finished by now
        log.info("RCSC stopped")

    app = FastAPI(
        title="RCSC API", version=__version__, lifespan=lifespan, docs_url="/api/docs",
        redoc_url=None, openapi_url="/api/openapi.json",
    )
    app.state.rcsc = AppState(
        settings=settings, db=db, templates=make_environment(), catalogues=load_catalogues()
    )
    errors.install(app)
    app.include_router(health.router)
    for router in (identity_api.router, tokens_api.router, audit_api.router,
                   attachments_api.router, incidents_api.router, public_api.router,
                   intel_api.router, intel_verdicts_api.router, peers_api.router,
                   exchange_files_api.router,
                   exercises_api.router, exercises_msel_api.router,
                   exercises_plan_api.router, exercises_files_api.router):
        app.include_router(router, prefix="/api/v1")
    for router in (alerts_api.router, webhooks_api.router):
        app.include_router(router, prefix="/api/v1")
    app.include_router(analytics_api.router, prefix="/api/v1")
    for router in (auth_pages.router, me_pages.router, admin_pages.router,
                   incident_pages.router, intel_pages.router, intel_tool_pages.router,
                   peer_pages.router,
                   exchange_pages.router, exercise_pages.router,
                   exercise_run_pages.router):
        app.include_router(router, include_in_schema=False)
    app.include_router(alert_pages.router, include_in_schema=False)
    app.include_router(dashboard_pages.router, include_in_schema=False)
    app.include_router(taxii.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes,
                       overrides=upload_limits(settings.max_attachment_bytes,
                                               settings.taxii_max_content_length))
    return app
