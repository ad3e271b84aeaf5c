"""The accounts configuration: which Seller Central accounts and marketplaces to watch, and how.

``scraper config example`` prints a commented example (:data:`EXAMPLE`); ``scraper config path`` where
the file is read from. Passwords and TOTP secrets never go here: see :mod:`scraper.credentials`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from scraper.alerts import AlertSettings
from scraper.errors import ConfigError
from scraper.evidence import DEFAULT_KEEP, TRACE_MODES, TraceMode
from scraper.findings import SEVERITIES, FindingRules
from scraper.records import RECORD_TYPES
from scraper.retry import RetryPolicy
from scraper.windows import WINDOW_FLAGS, WINDOW_KEYS, WindowSettings
from scraper.yamlcheck import Checker, YamlMap, load_yaml

EXAMPLE = """\
settings:                      # all optional; defaults shown
  delay_ms: 1500               # pause between page loads, so a real account is not hammered
  jitter_ms: 1000              # plus a random 0..jitter_ms
  max_pages: 20                # per section
  timeout_ms: 30000            # for a page to show its data
  human_timeout_s: 300         # how long a visible login waits for a person (CAPTCHA, SMS code)
  retries: 3                   # further attempts of a page load or data call after a timeout, a
                               # connection error, HTTP 5xx or 429 (never a sign-in form)
  section_retries: 1           # a section whose page's own data call failed that way is read again
  backoff_ms: 1000             # first pause before trying again; doubles each time, with jitter
  backoff_max_ms: 30000        # longest pause; a Retry-After asking for more is not waited for
  chromium_path: null          # else CHROMIUM_PATH, a Playwright-managed browser, or chromium on PATH
  evidence_keep: 10            # runs whose evidence of unread sections each account keeps; 0 = no evidence
  evidence_trace: on_failure   # Playwright trace of each unread section's walk (on_failure or off)
  evidence_dir: null           # else <state folder>/evidence; owner-only, holds unredacted pages and cookies
  windows:                     # big accounts: date-sorted lists are read back this far (0 = the whole list)
    enabled: true              # false: every list is read to its end (or max_pages), as for a small account
    feedback_days: 90          # Feedback Manager, newest first: stop at the first page older than this
    notifications_days: 90
    case_log_days: 30          # cases created in the last 30 days (older open ones: the weekly full pass)
    full_every_days: 7         # the whole window without incremental stop at least this often
    incremental: true          # stop at a page the history already holds unchanged (window covered before)
    full_max_pages: 1000       # page limit of a whole-window read (the first, the weekly); nights: max_pages
  block_resources: true        # skip images, fonts and media (never needed to read a page)
accounts:
  main:
    host: https://sellercentral.amazon.de
    email: seller@example.com
    locale: de_DE              # the UI language to read pages in (de_DE or en_US, en_GB, ...)
    marketplaces: [A1PA6795UKMFR9, A1F83G8C2ARO7P]
    sections: [notifications, voice_of_customer, case_log, regulatory_compliance,
               compliance_requests, feedback]     # optional, default all six
    alerts:                    # optional: Apprise URLs, see https://github.com/caronc/apprise/wiki
      urls: ["mailto://user:app-password@gmail.com", "tgram://bottoken/chatid"]
      min_severity: warning    # info, warning or critical
      notify_when_nothing_new: false
    windows: {enabled: true, feedback_days: 30}   # optional: this account's own (rest: settings.windows)
findings:                      # optional; defaults in scraper/findings.py (FindingRules)
  due_soon_days: 7             # first warning this many days before a due date (and open requests turn critical)
  due_final_days: 2            # second, critical warning this many days before it; another once it has passed
  voc_category_sds: 1          # VoC rates this many standard deviations above the category mean are a warning
  voc_rising_runs: 3           # warn when a listing's NCX rate rose in each of this many reads in a row
  feedback_negative_share_max: 5     # warn when 1-2 star feedback is over this % of the last 30 days' ratings
  feedback_negative_rise_points: 5   # ... or more than this many points above the 90 days' share
  feedback_min_ratings: 10     # judge the 30 days' share from this many ratings on
  case_reply_days: 2           # warn when a case has waited for your answer longer than this many days
  feedback_warning_max_stars: 2
  feedback_info_max_stars: 3
  critical_words: [gesperrt, deaktiviert, suspended, removed]
  shipping_words: [Versand, verspätet, delivery, late]
  packaging_words: [Verpackung, packaging]
  damage_words: [beschädigt, damaged]
"""
"""A commented example configuration; every key but ``accounts`` is optional."""

_ACCOUNT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,40}")
_MARKETPLACE_ID = re.compile(r"(amzn1\.mp\.o\.)?[A-Z0-9]{10,14}")


@dataclass(frozen=True)
class Settings:
    """How the walk behaves, for every account."""

    delay_ms: int = 1500
    jitter_ms: int = 1000
    max_pages: int = 20
    timeout_ms: int = 30000
    human_timeout_s: int = 300
    chromium_path: str | None = None
    evidence_keep: int = DEFAULT_KEEP
    """Runs whose evidence folders (scraper.evidence) each account keeps; 0 writes no evidence."""
    evidence_trace: TraceMode = "on_failure"
    """"on_failure": every section's walk is traced and the trace kept for those not read; "off": none."""
    evidence_dir: str | None = None
    """Where evidence goes; None for the state folder's evidence/."""
    retries: int = 3
    """Further attempts per page load or data call after a transient failure (see scraper.retry)."""
    section_retries: int = 1
    """Further collections of a section whose page's own data call failed for a transient cause."""
    backoff_ms: int = 1000
    backoff_max_ms: int = 30000
    windows: WindowSettings = field(default_factory=WindowSettings)
    """Reading windows of the date-sorted lists (scraper/windows.py)."""
    block_resources: bool = True
    """Abort image, font and media requests (scraper.browser.BLOCKED_RESOURCES); none is needed to read."""

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy these settings describe."""
        return RetryPolicy(self.retries, self.section_retries, self.backoff_ms, self.backoff_max_ms)


@dataclass(frozen=True)
class Account:
    """One Seller Central login and what to read with it."""

    name: str
    host: str
    """Base URL, for example https://sellercentral.amazon.de."""
    email: str
    locale: str
    marketplaces: tuple[str, ...]
    sections: tuple[str, ...]
    alerts: AlertSettings = field(default_factory=AlertSettings)
    windows: WindowSettings | None = None
    """This account's reading windows; None: settings.windows."""


@dataclass(frozen=True)
class Config:
    """The whole configuration file."""

    path: Path
    settings: Settings
    accounts: dict[str, Account]
    rules: FindingRules = field(default_factory=FindingRules)

    def account(self, name: str | None) -> Account:
        """The named account, or the only one; ConfigError otherwise."""
        if name is None:
            if len(self.accounts) == 1:
                return next(iter(self.accounts.values()))
            raise ConfigError(
                str(self.path), "accounts", f"several accounts; choose one with --account ({', '.join(self.accounts)})"
            )
        if name not in self.accounts:
            known = ", ".join(self.accounts)
            raise ConfigError(str(self.path), f"accounts.{name}", f"no such account (known: {known})")
        return self.accounts[name]


MAX_WAIT_MS = 3_600_000
"""The longest any configured wait may be (one hour)."""
MAX_RETRIES = 10
"""The most further attempts ``retries`` and ``section_retries`` may ask for."""


def _settings(ctx: Checker, node: object, top: YamlMap) -> Settings:
    defaults = Settings()
    keys = {"delay_ms", "jitter_ms", "max_pages", "timeout_ms", "human_timeout_s", "chromium_path"}
    keys |= {"evidence_keep", "evidence_trace", "evidence_dir"}
    keys |= {"retries", "section_retries", "backoff_ms", "backoff_max_ms", "windows"}
    keys |= {"block_resources"}
    m = ctx.mapping(node, "settings", set(), keys, top)
    path = m.get("chromium_path")
    if path is not None and not isinstance(path, str):
        ctx.fail("settings.chromium_path", "expected a path", m, "chromium_path")
    evidence_dir = m.get("evidence_dir")
    if evidence_dir is not None and (not isinstance(evidence_dir, str) or not evidence_dir.strip()):
        ctx.fail("settings.evidence_dir", "expected a folder path", m, "evidence_dir")
    trace = m.get("evidence_trace", defaults.evidence_trace)
    if trace not in TRACE_MODES:
        ctx.fail("settings.evidence_trace", f"expected one of {', '.join(TRACE_MODES)}", m, "evidence_trace")
    # Retries multiply the time a failing site can hold the run (and its lock): a handful at most.
    backoff_ms = ctx.integer(m, "backoff_ms", "settings", defaults.backoff_ms, high=MAX_WAIT_MS)
    backoff_max_ms = ctx.integer(m, "backoff_max_ms", "settings", defaults.backoff_max_ms, high=MAX_WAIT_MS)
    if backoff_ms > backoff_max_ms:
        ctx.fail("settings.backoff_ms", f"is more than backoff_max_ms ({backoff_max_ms})", m, "backoff_ms")
    # Bounds: 0 would switch Playwright's timeouts off (a stalled site then hangs the run while it holds the
    # lock), and huge values overflow; an hour is the most any one wait may take.
    return Settings(
        delay_ms=ctx.integer(m, "delay_ms", "settings", defaults.delay_ms, high=MAX_WAIT_MS),
        jitter_ms=ctx.integer(m, "jitter_ms", "settings", defaults.jitter_ms, high=MAX_WAIT_MS),
        max_pages=ctx.integer(m, "max_pages", "settings", defaults.max_pages, low=1, high=100_000),
        timeout_ms=ctx.integer(m, "timeout_ms", "settings", defaults.timeout_ms, low=1000, high=MAX_WAIT_MS),
        human_timeout_s=ctx.integer(
            m, "human_timeout_s", "settings", defaults.human_timeout_s, low=1, high=MAX_WAIT_MS // 1000
        ),
        chromium_path=path,
        evidence_keep=ctx.integer(m, "evidence_keep", "settings", defaults.evidence_keep, high=10_000),
        evidence_trace=trace,
        evidence_dir=evidence_dir,
        retries=ctx.integer(m, "retries", "settings", defaults.retries, high=MAX_RETRIES),
        section_retries=ctx.integer(m, "section_retries", "settings", defaults.section_retries, high=MAX_RETRIES),
        backoff_ms=backoff_ms,
        backoff_max_ms=backoff_max_ms,
        windows=_windows(ctx, m["windows"], "settings.windows", m, WindowSettings())
        if "windows" in m
        else WindowSettings(),
        block_resources=ctx.boolean(m, "block_resources", "settings", defaults.block_resources),
    )


def _windows(ctx: Checker, node: object, where: str, parent: YamlMap, base: WindowSettings) -> WindowSettings:
    """Reading windows; keys left out keep ``base`` (the defaults, or settings.windows for an account)."""
    m = ctx.mapping(node, where, set(), set(WINDOW_KEYS), parent)
    values: dict[str, int | bool] = {
        k: ctx.integer(m, k, where, getattr(base, k), high=100_000) for k in WINDOW_KEYS if k not in WINDOW_FLAGS
    }
    values.update({k: ctx.boolean(m, k, where, getattr(base, k)) for k in WINDOW_FLAGS})
    return WindowSettings(**values)  # type: ignore[arg-type]


def _account(
    ctx: Checker, name: object, node: object, parent: YamlMap, base_windows: WindowSettings | None = None
) -> Account:
    where = f"accounts.{name}"
    base_windows = base_windows or WindowSettings()
    if not isinstance(name, str) or not _ACCOUNT_NAME.fullmatch(name):
        ctx.fail(where, "account names are letters, digits, - and _ (up to 41)", parent, str(name))
    m = ctx.mapping(
        node, where, {"host", "email", "marketplaces"}, {"locale", "sections", "alerts", "windows"}, parent
    )
    host = ctx.string(m, "host", where).rstrip("/")
    if not re.fullmatch(r"https?://[^/\s]+", host):
        ctx.fail(
            f"{where}.host", f"expected a base URL such as https://sellercentral.amazon.de, got {host!r}", m, "host"
        )
    email = ctx.string(m, "email", where)
    if "@" not in email:
        ctx.fail(f"{where}.email", "expected an e-mail address", m, "email")
    locale = m.get("locale", "de_DE")
    if not isinstance(locale, str) or not re.fullmatch(r"(de|en)[_-][A-Z]{2}", locale):
        ctx.fail(f"{where}.locale", "expected de_DE, en_US, en_GB or another de_/en_ locale", m, "locale")
    marketplaces = ctx.string_list(m, "marketplaces", where)
    for mkid in marketplaces:
        if not _MARKETPLACE_ID.fullmatch(mkid):
            ctx.fail(
                f"{where}.marketplaces", f"{mkid!r} is not a marketplace id such as A1PA6795UKMFR9", m, "marketplaces"
            )
    sections = ctx.string_list(m, "sections", where) if "sections" in m else list(RECORD_TYPES)
    for section in sections:
        if section not in RECORD_TYPES:
            ctx.fail(
                f"{where}.sections", f"unknown section {section!r} (known: {', '.join(RECORD_TYPES)})", m, "sections"
            )
    alerts = _alerts(ctx, m["alerts"], f"{where}.alerts", m) if "alerts" in m else AlertSettings()
    windows = _windows(ctx, m["windows"], f"{where}.windows", m, base_windows) if "windows" in m else None
    return Account(
        name, host, email, locale.replace("-", "_"), tuple(marketplaces), tuple(sections), alerts, windows
    )


def _alerts(ctx: Checker, node: object, where: str, parent: YamlMap) -> AlertSettings:
    m = ctx.mapping(node, where, {"urls"}, {"min_severity", "notify_when_nothing_new"}, parent)
    severity = m.get("min_severity", "warning")
    if severity not in SEVERITIES:
        ctx.fail(f"{where}.min_severity", f"expected one of {', '.join(SEVERITIES)}", m, "min_severity")
    urls = ctx.string_list(m, "urls", where)
    for i, url in enumerate(urls):
        if "://" not in url:
            # Only the position is named: an Apprise URL may hold a token or password.
            ctx.fail(f"{where}.urls[{i}]", "not an Apprise URL (scheme://...)", m, "urls")
    return AlertSettings(tuple(urls), severity, ctx.boolean(m, "notify_when_nothing_new", where, False))


def _rules(ctx: Checker, node: object, top: YamlMap) -> FindingRules:
    defaults = FindingRules()
    words = {"critical_words", "shipping_words", "packaging_words", "damage_words"}
    numbers = {"due_soon_days", "feedback_warning_max_stars", "feedback_info_max_stars", "voc_category_sds"}
    numbers |= {"due_final_days", "voc_rising_runs", "case_reply_days"}
    numbers |= {"feedback_negative_share_max", "feedback_negative_rise_points", "feedback_min_ratings"}
    m = ctx.mapping(node, "findings", set(), words | numbers, top)
    values: dict[str, object] = {k: tuple(ctx.string_list(m, k, "findings")) for k in words if k in m}
    values.update({k: ctx.integer(m, k, "findings") for k in numbers if k in m})
    rules = FindingRules(**{**{k: getattr(defaults, k) for k in words | numbers}, **values})
    if not 1 <= rules.feedback_warning_max_stars <= rules.feedback_info_max_stars <= 5:
        ctx.fail("findings", "need 1 <= feedback_warning_max_stars <= feedback_info_max_stars <= 5", m)
    if rules.due_final_days > rules.due_soon_days:
        ctx.fail("findings", "need due_final_days <= due_soon_days (the second warning comes after the first)", m)
    if rules.feedback_negative_share_max > 100:
        ctx.fail("findings.feedback_negative_share_max", "a share is at most 100 (percent)", m)
    return rules


def load_config(path: Path) -> Config:
    """Read and check the configuration file; ConfigError naming the key and line on any problem."""
    if not path.exists():
        raise ConfigError(
            str(path), "", "no configuration file; create one (`scraper config example` prints one) or pass --config"
        )
    ctx = Checker(str(path), ConfigError)
    top = ctx.mapping(load_yaml(path, ConfigError), "", {"accounts"}, {"settings", "findings"})
    accounts_node = top["accounts"]
    if not isinstance(accounts_node, YamlMap) or not accounts_node:
        ctx.fail("accounts", "expected a mapping of account names to accounts", top, "accounts")
    settings = _settings(ctx, top.get("settings", YamlMap()), top)
    return Config(
        path=path,
        settings=settings,
        accounts={str(n): _account(ctx, n, node, accounts_node, settings.windows) for n, node in accounts_node.items()},
        rules=_rules(ctx, top.get("findings", YamlMap()), top),
    )
