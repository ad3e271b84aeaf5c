"""One account's run: start Chromium, reuse or renew the session, read each marketplace's sections.

Authentication problems stop the account with a clear error and mark its sections as not read (never an
empty result). The session (cookies and local storage) is saved 0600 after every sign-in and at the end,
because Seller Central rotates its session token.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from scraper import paths
from scraper.browser import launched, new_context
from scraper.capture import Exchange, SectionCapture, load_capture, save_capture
from scraper.config import Account, Settings
from scraper.credentials import Credentials, load_credentials
from scraper.errors import (
    AuthError,
    ChallengeError,
    MarketplaceError,
    SiteUnavailableError,
    SiteUnreachableError,
)
from scraper.evidence import Evidence
from scraper.login import ensure_signed_in
from scraper.read import SectionOutcome, Status, read_section
from scraper.redact import Redactor
from scraper.spec import SectionSpec, Spec
from scraper.walk import Pacer, PageSeeds, PageStop, collect_section
from scraper.windows import PlanWindow

Notify = Callable[[str], None]

MAX_RENEWALS = 2
"""Sign-ins a run may repeat per marketplace when the session expires while it reads."""


@dataclass
class AccountRun:
    """Everything one account's run produced."""

    account: str
    outcomes: list[SectionOutcome] = field(default_factory=list)
    error: str | None = None
    """Why the account stopped early (login needed, challenge, wrong marketplace)."""
    error_kind: str | None = None
    """"login needed" or "challenge", for the summary and alerts."""
    sign_ins: int = 0
    evidence: Path | None = None
    """The run's evidence folder (scraper.evidence), when something was not read and evidence is on."""

    @property
    def all_read(self) -> bool:
        """True when nothing stopped the account and every section was read (ok or empty)."""
        return self.error is None and all(o.status in {"ok", "empty"} for o in self.outcomes)


@dataclass(frozen=True)
class RunOptions:
    """How to drive the browser for a run or a login."""

    headed: bool = False
    interactive: bool = False
    """Wait for a person at the window for CAPTCHA and the like (login, or --headed runs)."""
    via_menu: bool = False
    sections: tuple[str, ...] | None = None
    browser_args: tuple[str, ...] = ()
    browser_endpoint: str | None = None
    """A shared Chromium to connect to (scraper.browser.shared_chromium) instead of launching one."""


def save_session(context: BrowserContext, path: Path) -> None:
    """Write cookies and local storage to the session file, 0600."""
    paths.write_private(path, json.dumps(context.storage_state(), indent=1).encode("utf-8"))


@contextmanager
def account_page(account: Account, settings: Settings, options: RunOptions) -> Iterator[tuple[BrowserContext, Page]]:
    """A page in a context that restores the account's saved session."""
    with launched(
        options.headed, settings.chromium_path, list(options.browser_args), options.browser_endpoint
    ) as browser:
        context = new_context(browser, paths.session_file(account.name), account.locale, settings.block_resources)
        try:
            page = context.new_page()
            page.set_default_timeout(settings.timeout_ms)
            yield context, page
        finally:
            context.close()


def sign_in_to(
    page: Page,
    spec: Spec,
    account: Account,
    credentials: Credentials,
    marketplace: str,
    settings: Settings,
    options: RunOptions,
    notify: Notify = print,
) -> bool:
    """Open the account's Seller Central for one marketplace, signing in if needed; True when it signed in."""
    return ensure_signed_in(
        page,
        spec,
        account.host,
        account.name,
        credentials,
        marketplace,
        interactive=options.interactive,
        human_timeout_s=settings.human_timeout_s,
        timeout_ms=settings.timeout_ms,
        notify=notify,
        retry=settings.retry,
    )


def login_account(
    spec: Spec,
    account: Account,
    settings: Settings,
    options: RunOptions,
    credentials: Credentials | None = None,
    notify: Notify = print,
) -> Path:
    """Sign in (visibly, by default) and save the session; returns the session file."""
    creds = credentials or load_credentials(account.name, account.email)
    session = paths.session_file(account.name)
    with account_page(account, settings, options) as (context, page):
        for marketplace in account.marketplaces:
            sign_in_to(page, spec, account, creds, marketplace, settings, options, notify)
            save_session(context, session)
    return session


def run_account(
    spec: Spec,
    account: Account,
    settings: Settings,
    options: RunOptions,
    credentials: Credentials | None = None,
    notify: Notify = print,
    windows: PlanWindow | None = None,
) -> AccountRun:
    """Walk every configured marketplace and section of one account (date-sorted lists within ``windows``)."""
    creds = credentials or load_credentials(account.name, account.email)
    result = AccountRun(account.name)
    sections = list(options.sections or account.sections)
    pacer = Pacer(settings.delay_ms, settings.jitter_ms)
    session = paths.session_file(account.name)
    with account_page(account, settings, options) as (context, page):
        evidence = Evidence(settings, account.name, context, page)

        def read(section: SectionSpec, marketplace: str) -> SectionOutcome:
            evidence.begin_section()
            plan = windows(section.id, marketplace) if windows is not None else None
            stop: PageStop | None = None
            seeds: PageSeeds | None = None
            if plan is not None:
                window = plan

                def stop(exchange: Exchange) -> str | None:
                    return window.stop_after(spec, section, exchange)

                if plan.filter is not None:

                    def seeds(first: Exchange) -> list[tuple[str, str | None]]:
                        return window.seeds(section, first)

            capture = collect_section(
                page,
                spec,
                section,
                account.host,
                marketplace,
                account.locale,
                via_menu=options.via_menu,
                max_pages=plan.max_pages if plan is not None and plan.max_pages else settings.max_pages,
                timeout_ms=settings.timeout_ms,
                pacer=pacer,
                retry=settings.retry,
                stop=stop,
                seeds=seeds,
            )
            outcome = read_section(spec, section, capture)
            outcome.window = plan
            evidence.end_section(outcome)  # before anything else loads: the page is as the failure left it
            return outcome

        for marketplace in account.marketplaces:

            def sign_in(mk: str = marketplace) -> bool:
                signed = sign_in_to(page, spec, account, creds, mk, settings, options, notify)
                if signed:
                    result.sign_ins += 1
                    save_session(context, session)
                return signed

            try:
                sign_in()
                renewals = 0
                for section_id in sections:
                    section = spec.section(section_id)
                    pacer.wait()
                    notify(f"[{account.name}/{marketplace}] reading {section_id}")
                    outcome = read(section, marketplace)
                    if outcome.status == "signed_out" and renewals < MAX_RENEWALS:
                        # A session that expires mid-walk is normal, also right after this run signed in: renew
                        # it (bounded per marketplace, so a site that drops every session cannot loop).
                        renewals += 1
                        sign_in()
                        outcome = read(section, marketplace)
                    if outcome.status == "challenge":
                        # A CAPTCHA in the middle of the walk meets every further page too: stop the account
                        # as a challenge at sign-in does (this section and the rest: not read).
                        raise ChallengeError(account.name, outcome.message or "Amazon asks for a CAPTCHA")
                    result.outcomes.append(outcome)
                    if outcome.status == "wrong marketplace":
                        # Every further section would be filed under the wrong marketplace: stop this one.
                        result.outcomes.extend(
                            SectionOutcome(
                                s, marketplace, "wrong marketplace", message=outcome.message, evidence=outcome.evidence
                            )
                            for s in sections[sections.index(section_id) + 1 :]
                        )
                        break
            except (AuthError, PlaywrightError, SiteUnavailableError, SiteUnreachableError) as exc:
                if isinstance(exc, MarketplaceError):
                    # The site stayed on another marketplace: not a login problem, and nothing filed wrongly.
                    result.error, result.error_kind = str(exc), "wrong marketplace"
                    status: Status = "wrong marketplace"
                elif isinstance(exc, AuthError):
                    result.error = str(exc)
                    result.error_kind = "challenge" if isinstance(exc, ChallengeError) else "login needed"
                    status = "signed_out"
                elif isinstance(exc, SiteUnavailableError | SiteUnreachableError):
                    result.error, result.error_kind, status = str(exc), "unreachable", "error"
                else:
                    # The site could not be reached while signing in (connection refused, DNS, timeout): say
                    # that, not "log in again", and still record and alert the run.
                    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    result.error = f"[{account.name}] Seller Central could not be reached: {first}"
                    result.error_kind = "unreachable"
                    status = "error"
                # This marketplace's unread sections and every later marketplace's: none was read.
                shown = evidence.sign_in_failed(marketplace, result.error_kind or status, result.error)
                done = {(o.marketplace, o.section) for o in result.outcomes}
                later = account.marketplaces[account.marketplaces.index(marketplace) :]
                result.outcomes.extend(
                    SectionOutcome(s, m, status, message=result.error, evidence=shown)
                    for m in later
                    for s in sections
                    if (m, s) not in done
                )
                break
        evidence.close()
        result.evidence = evidence.run_dir
        if result.error is None:
            save_session(context, session)
    return result


def capture_account(
    spec: Spec,
    account: Account,
    settings: Settings,
    options: RunOptions,
    section_id: str,
    marketplace: str,
    out_dir: Path,
    notify: Notify = print,
    max_pages: int = 3,
) -> tuple[SectionOutcome, list[Path]]:
    """Sign in, collect one section, and save the capture, redacted, under ``out_dir/<marketplace>/<section>/``.

    The saved directory is what ``scraper parse`` replays offline; the outcome is read from the capture as
    it was saved (redacted), so what the command reports is what the files give.
    """
    creds = load_credentials(account.name, account.email)
    section = spec.section(section_id)
    with account_page(account, settings, options) as (context, page):
        if sign_in_to(page, spec, account, creds, marketplace, settings, options, notify):
            save_session(context, paths.session_file(account.name))
        capture = collect_section(
            page,
            spec,
            section,
            account.host,
            marketplace,
            account.locale,
            via_menu=options.via_menu,
            max_pages=max_pages,
            timeout_ms=settings.timeout_ms,
            all_json=True,  # every JSON call the page made: `scraper doctor` finds a moved endpoint among them
            retry=settings.retry,
        )
    return save_and_read(spec, capture, out_dir / marketplace / section_id)


def save_and_read(spec: Spec, capture: SectionCapture, directory: Path) -> tuple[SectionOutcome, list[Path]]:
    """Write a capture redacted and read it back from the files, as ``scraper parse`` will."""
    note = (
        f"Captured by `scraper capture {capture.section}`; personal data replaced. Check it before committing "
        "it as a fixture."
    )
    written = save_capture(capture, directory, Redactor(keep_ids=spec.marketplaces), note)
    return read_section(spec, spec.section(capture.section), load_capture(directory)), written
