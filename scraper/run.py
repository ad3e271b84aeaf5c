"""One account's run: start Chromium, reuse or renew the session, read each marketplace's sections.

Authentication problems stop the account with a clear error and mark its sections as not read (never an
empty result). The session (cookies and local storage) is saved 0600 after every sign-in and at the end,
because Seller Central rotates its session token.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
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
from scraper.login import SignInHow, ensure_signed_in
from scraper.read import SectionOutcome, read_section
from scraper.redact import Redactor
from scraper.spec import SectionSpec, Spec
from scraper.status import READ_OK, SectionStatus
from scraper.text import Notify
from scraper.walk import Pacer, PageSeeds, PageStop, collect_section
from scraper.windows import PlanWindow, WindowPlan

MAX_RENEWALS = 2
"""Sign-ins a run may repeat per marketplace when the session expires while it reads."""


@dataclass
class AccountRun:
    """Everything one account's run produced."""

    account: str
    outcomes: list[SectionOutcome] = field(default_factory=list)
    error: str | None = None
    """Why the account stopped early (login needed, challenge, wrong marketplace)."""
    error_kind: SectionStatus | None = None
    """Why the account stopped (LOGIN_NEEDED, CHALLENGE, WRONG_MARKETPLACE, UNREACHABLE, CRASHED), for the summary
    and alerts."""
    sign_ins: int = 0
    evidence: Path | None = None
    """The run's evidence folder (scraper.evidence), when something was not read and evidence is on."""

    @property
    def all_read(self) -> bool:
        """True when nothing stopped the account and every section was read (ok or empty)."""
        return self.error is None and all(o.status in READ_OK for o in self.outcomes)


def unread_run(account: Account, options: RunOptions, message: str, kind: SectionStatus) -> AccountRun:
    """The run of an account stopped before it read anything (its worker crashed, its time ran out): every
    section of every marketplace "error" with ``message``, the account stopped for ``kind``."""
    sections = list(options.sections or account.sections)
    error = SectionStatus.ERROR
    outcomes = [SectionOutcome(s, m, error, message=message) for m in account.marketplaces for s in sections]
    return AccountRun(account.name, outcomes, error=message, error_kind=kind)


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
    how = SignInHow(options.interactive, settings.human_timeout_s, settings.timeout_ms, settings.retry)
    return ensure_signed_in(page, spec, account.host, account.name, credentials, marketplace, how, notify)


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


def _window_hooks(
    spec: Spec, section: SectionSpec, plan: WindowPlan | None
) -> tuple[PageStop | None, PageSeeds | None]:
    """The walk's hooks for a reading window: where to stop paging, and the filtered first requests."""
    if plan is None:
        return None, None
    window = plan

    def stop(exchange: Exchange) -> str | None:
        return window.stop_after(spec, section, exchange)

    if plan.filter is None:
        return stop, None

    def seeds(first: Exchange) -> list[tuple[str, str | None]]:
        return window.seeds(section, first)

    return stop, seeds


def stop_reason(account: str, exc: Exception) -> tuple[str, SectionStatus, SectionStatus]:
    """Why sign-in (or the walk) stopped an account: (message, the run's reason, the unread sections' status)."""
    if isinstance(exc, MarketplaceError):
        # The site stayed on another marketplace: not a login problem, and nothing filed wrongly.
        return str(exc), SectionStatus.WRONG_MARKETPLACE, SectionStatus.WRONG_MARKETPLACE
    if isinstance(exc, AuthError):
        kind = SectionStatus.CHALLENGE if isinstance(exc, ChallengeError) else SectionStatus.LOGIN_NEEDED
        return str(exc), kind, SectionStatus.SIGNED_OUT
    if isinstance(exc, SiteUnavailableError | SiteUnreachableError):
        return str(exc), SectionStatus.UNREACHABLE, SectionStatus.ERROR
    # The site could not be reached while signing in (connection refused, DNS, timeout): say that, not "log in
    # again", and still record and alert the run.
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"[{account}] Seller Central could not be reached: {first}", SectionStatus.UNREACHABLE, SectionStatus.ERROR


@dataclass
class _AccountWalk:
    """One account's walk in one browser page: signing in per marketplace, then each section in turn."""

    spec: Spec
    account: Account
    settings: Settings
    options: RunOptions
    credentials: Credentials
    notify: Notify
    windows: PlanWindow | None
    context: BrowserContext
    page: Page
    evidence: Evidence
    result: AccountRun
    pacer: Pacer
    session: Path

    def read(self, section: SectionSpec, marketplace: str) -> SectionOutcome:
        """Collect and read one section (within its reading window, where one is planned)."""
        self.evidence.begin_section()
        plan = self.windows(section.id, marketplace) if self.windows is not None else None
        stop, seeds = _window_hooks(self.spec, section, plan)
        capture = collect_section(
            self.page,
            self.spec,
            section,
            self.account.host,
            marketplace,
            self.account.locale,
            via_menu=self.options.via_menu,
            max_pages=plan.max_pages if plan is not None and plan.max_pages else self.settings.max_pages,
            timeout_ms=self.settings.timeout_ms,
            pacer=self.pacer,
            retry=self.settings.retry,
            stop=stop,
            seeds=seeds,
        )
        outcome = read_section(self.spec, section, capture)
        outcome.window = plan
        self.evidence.end_section(outcome)  # before anything else loads: the page is as the failure left it
        return outcome

    def sign_in(self, marketplace: str) -> bool:
        """Open the marketplace, signing in if needed; a new sign-in is counted and its session saved."""
        signed = sign_in_to(
            self.page, self.spec, self.account, self.credentials, marketplace, self.settings, self.options, self.notify
        )
        if signed:
            self.result.sign_ins += 1
            save_session(self.context, self.session)
        return signed

    def marketplace(self, marketplace: str, sections: list[str]) -> None:
        """Sign in to one marketplace and read its sections; raises what stops the account."""
        self.sign_in(marketplace)
        renewals = 0
        for section_id in sections:
            section = self.spec.section(section_id)
            self.pacer.wait()
            self.notify(f"[{self.account.name}/{marketplace}] reading {section_id}")
            outcome = self.read(section, marketplace)
            if outcome.status == SectionStatus.SIGNED_OUT and renewals < MAX_RENEWALS:
                # A session that expires mid-walk is normal, also right after this run signed in: renew
                # it (bounded per marketplace, so a site that drops every session cannot loop).
                renewals += 1
                self.sign_in(marketplace)
                outcome = self.read(section, marketplace)
            if outcome.status == SectionStatus.CHALLENGE:
                # A CAPTCHA in the middle of the walk meets every further page too: stop the account
                # as a challenge at sign-in does (this section and the rest: not read).
                raise ChallengeError(self.account.name, outcome.message or "Amazon asks for a CAPTCHA")
            self.result.outcomes.append(outcome)
            if outcome.status == SectionStatus.WRONG_MARKETPLACE:
                # Every further section would be filed under the wrong marketplace: stop this one.
                self.result.outcomes.extend(
                    SectionOutcome(
                        s,
                        marketplace,
                        SectionStatus.WRONG_MARKETPLACE,
                        message=outcome.message,
                        evidence=outcome.evidence,
                    )
                    for s in sections[sections.index(section_id) + 1 :]
                )
                break

    def stopped(self, marketplace: str, sections: list[str], exc: Exception) -> None:
        """Record why the account stopped; this marketplace's unread sections and every later marketplace's
        are outcomes with that status: none was read."""
        result = self.result
        result.error, result.error_kind, status = stop_reason(self.account.name, exc)
        shown = self.evidence.sign_in_failed(marketplace, result.error_kind or status, result.error)
        done = {(o.marketplace, o.section) for o in result.outcomes}
        later = self.account.marketplaces[self.account.marketplaces.index(marketplace) :]
        result.outcomes.extend(
            SectionOutcome(s, m, status, message=result.error, evidence=shown)
            for m in later
            for s in sections
            if (m, s) not in done
        )


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
        walk = _AccountWalk(
            spec, account, settings, options, creds, notify, windows, context, page, evidence, result, pacer, session
        )
        for marketplace in account.marketplaces:
            try:
                walk.marketplace(marketplace, sections)
            except (AuthError, PlaywrightError, SiteUnavailableError, SiteUnreachableError) as exc:
                walk.stopped(marketplace, sections, exc)
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
