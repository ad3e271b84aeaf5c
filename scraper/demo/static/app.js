/*
 * Demo Seller Central: the single-page app behind the six section pages.
 *
 * Like the real pages it starts as an empty shell with a spinner, fetches its rows from the section's
 * same-origin JSON endpoint with the session cookie, and renders Katal-like markup (kat-table,
 * kat-table-row, kat-badge, kat-link, ...). The markup follows selectors.yaml and the DOM fixtures; the
 * whole section is rendered in one step, so that a reader waiting for the table sees every row at once.
 * Everything shown is invented demo data. Nothing here writes anything without a click, and even then
 * the demo server only records the click.
 */
(function () {
  'use strict';

  // --- Katal stand-ins -----------------------------------------------------------------------------------
  // The real components render their text and links inside open shadow roots; so do these, which keeps the
  // light DOM (what a saved page contains) as bare as Seller Central's.

  var BASE_CSS =
    ':host{font:inherit;color:inherit}a{color:#007185;text-decoration:none;cursor:pointer}a:hover{text-decoration:underline}' +
    'span.disabled{color:#8d9096;cursor:default}';

  function shadow(host, html) {
    var root = host.shadowRoot || host.attachShadow({ mode: 'open' });
    root.innerHTML = '<style>' + BASE_CSS + '</style>' + html;
    return root;
  }

  function esc(text) {
    return String(text == null ? '' : text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function defineKatal() {
    if (!window.customElements || customElements.get('kat-link')) return;

    function reactive(render, attrs) {
      return class extends HTMLElement {
        static get observedAttributes() { return attrs; }
        connectedCallback() { render(this); }
        attributeChangedCallback() { if (this.isConnected) render(this); }
      };
    }

    customElements.define('kat-link', reactive(function (el) {
      var label = el.getAttribute('label');
      var text = label != null ? esc(label) : '<slot></slot>';
      var href = el.getAttribute('href');
      if (el.hasAttribute('disabled') || !href) {
        shadow(el, '<span class="' + (el.hasAttribute('disabled') ? 'disabled' : '') + '" part="link">' + text + '</span>');
      } else {
        var target = el.getAttribute('target') ? ' target="' + esc(el.getAttribute('target')) + '" rel="noopener"' : '';
        shadow(el, '<a part="link" href="' + esc(href) + '"' + target + '>' + text + '</a>');
      }
    }, ['href', 'label', 'disabled', 'target']));

    var BADGE = {
      success: 'background:#e7f4e4;color:#1e6b12;border-color:#83c276',
      warning: 'background:#fff4e0;color:#8a4b00;border-color:#f0b44c',
      error: 'background:#fde8e8;color:#b3131b;border-color:#e98a8a',
      info: 'background:#e6f2f8;color:#0b5c84;border-color:#7fbbd9'
    };
    customElements.define('kat-badge', reactive(function (el) {
      var style = BADGE[el.getAttribute('type')] || BADGE.info;
      shadow(el, '<span part="badge" style="display:inline-block;padding:1px 8px;border:1px solid;border-radius:10px;' +
        'font-size:12px;font-weight:600;white-space:nowrap;' + style + '">' + esc(el.getAttribute('label')) + '</span>');
    }, ['label', 'type']));

    customElements.define('kat-button', reactive(function (el) {
      var label = el.getAttribute('label');
      var variant = el.getAttribute('variant') || 'secondary';
      var look = variant === 'primary' ? 'background:#ffd814;border-color:#fcd200'
        : variant === 'link' ? 'background:none;border-color:transparent;color:#007185' : 'background:#fff;border-color:#d5d9d9';
      shadow(el, '<button part="button" type="button" style="font:inherit;font-size:13px;padding:4px 12px;border:1px solid;' +
        'border-radius:8px;cursor:pointer;' + look + '">' + (label != null ? esc(label) : '<slot></slot>') + '</button>');
    }, ['label', 'variant']));

    customElements.define('kat-star-rating', reactive(function (el) {
      var value = parseFloat(el.getAttribute('value')) || 0;
      var stars = '';
      for (var i = 1; i <= 5; i++) {
        stars += '<span style="color:' + (i <= Math.round(value) ? '#de7921' : '#c8c8c8') + '">★</span>';
      }
      shadow(el, '<span part="stars" role="img" aria-label="' + esc(value) + ' / 5" style="font-size:16px;letter-spacing:1px">' +
        stars + '</span>');
    }, ['value']));

    customElements.define('kat-alert', reactive(function (el) {
      var variant = el.getAttribute('variant') || 'info';
      var colour = { success: '#067d62', warning: '#f0a100', danger: '#cc0c39', info: '#007185' }[variant] || '#007185';
      var header = el.getAttribute('header');
      var description = el.getAttribute('description');
      shadow(el, '<div part="alert" role="alert" style="border:1px solid ' + colour + ';border-left-width:6px;border-radius:6px;' +
        'padding:10px 14px;margin:10px 0;background:#fff">' + (header ? '<strong>' + esc(header) + '</strong><br>' : '') +
        (description ? esc(description) : '') + '<slot></slot></div>');
    }, ['header', 'description', 'variant']));

    customElements.define('kat-dropdown', reactive(function (el) {
      var options = [];
      try { options = JSON.parse(el.getAttribute('options') || '[]'); } catch (e) { options = []; }
      var label = el.getAttribute('label');
      var html = (label ? '<label style="font-size:12px;color:#565959;display:block">' + esc(label) + '</label>' : '') +
        '<select part="select" style="font:inherit;font-size:13px;padding:3px 6px;border-radius:6px;border:1px solid #adb1b8">' +
        '<option>' + esc(el.getAttribute('placeholder') || '—') + '</option>';
      options.forEach(function (o) { html += '<option value="' + esc(o.value) + '">' + esc(o.name) + '</option>'; });
      shadow(el, html + '</select>');
    }, ['options', 'label', 'placeholder']));

    // The Voice of the Customer pager: like the live one (#listing-table-pagination kat-pagination, attributes
    // page, items-per-page and total-items) its buttons sit in a CLOSED shadow root, so no selector reaches
    // them; a person's click (or Enter) on one fires "change" with the page number, and the app loads it.
    // The regulatory tab's pager (#ahd-pp-pagination-katal-control) is evidenced with reachable
    // [part="pagination-nav-*"] controls: the demo renders those as light children, which an open shadow
    // root with a slot shows as they are.
    var pagerRoots = new WeakMap();
    customElements.define('kat-pagination', reactive(function (el) {
      if (el.id === 'ahd-pp-pagination-katal-control') {
        if (!el.shadowRoot) el.attachShadow({ mode: 'open' }).innerHTML = '<slot></slot>';
        return;
      }
      var root = pagerRoots.get(el);
      if (!root) {
        root = el.attachShadow({ mode: 'closed' });
        pagerRoots.set(el, root);
        var go = function (event) {
          if (event.type === 'keydown' && event.key !== 'Enter' && event.key !== ' ') return;
          var control = event.target.closest('[data-page]');
          if (!control || control.getAttribute('aria-disabled') === 'true' || control.hasAttribute('aria-current')) return;
          event.preventDefault();
          el.dispatchEvent(new CustomEvent('change', {
            bubbles: true, composed: true, detail: { page: Number(control.getAttribute('data-page')) }
          }));
        };
        root.addEventListener('click', go);
        root.addEventListener('keydown', go);
      }
      var page = parseInt(el.getAttribute('page'), 10) || 1;
      var size = parseInt(el.getAttribute('items-per-page'), 10) || 1;
      var total = parseInt(el.getAttribute('total-items'), 10) || 0;
      var pages = Math.max(1, Math.ceil(total / size));
      function control(part, target, text, label) {
        var off = target < 1 || target > pages;
        return '<span part="' + part + '" role="button" data-page="' + target + '" tabindex="' + (off ? '-1' : '0') + '"' +
          (off ? ' aria-disabled="true"' : '') + ' aria-label="' + esc(label) + '">' + text + '</span>';
      }
      var items = '';
      for (var p = 1; p <= pages; p++) {
        items += p === page ? '<li data-page="' + p + '" aria-current="page" tabindex="-1">' + p + '</li>'
          : '<li data-page="' + p + '" role="button" tabindex="0">' + p + '</li>';
      }
      root.innerHTML = '<style>' + BASE_CSS + ':host{display:inline-flex;align-items:center;gap:8px}' +
        'ul{display:flex;gap:4px;margin:0;padding:0;list-style:none}' +
        'li,[role=button]{padding:2px 8px;border-radius:4px;cursor:pointer;color:#007185}' +
        '[aria-current]{background:#007185;color:#fff;cursor:default}[aria-disabled=true]{color:#8d9096;cursor:default}</style>' +
        control('pagination-nav-left', page - 1, '‹', T.prev) + '<ul part="pages">' + items + '</ul>' +
        control('pagination-nav-right', page + 1, '›', T.next);
    }, ['page', 'items-per-page', 'total-items']));

    customElements.define('kat-input', reactive(function (el) {
      shadow(el, '<input part="input" type="' + esc(el.getAttribute('type') || 'text') + '" placeholder="' +
        esc(el.getAttribute('placeholder') || '') + '" style="font:inherit;font-size:13px;padding:4px 8px;border-radius:6px;' +
        'border:1px solid #adb1b8;min-width:220px">');
    }, ['type', 'placeholder']));
  }

  // --- small DOM helpers ---------------------------------------------------------------------------------

  function h(tag, attrs) {
    var node = document.createElement(tag);
    var key;
    for (key in attrs || {}) {
      if (!Object.prototype.hasOwnProperty.call(attrs, key)) continue;
      var value = attrs[key];
      if (value === null || value === undefined || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'className') node.className = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }

  function get(obj, path) {
    return path.split('.').reduce(function (o, k) { return o == null ? undefined : o[k]; }, obj);
  }

  function present(value) {
    return value !== null && value !== undefined && value !== '';
  }

  // --- locale formatting ---------------------------------------------------------------------------------
  // German: 27.07.2026, 1.234, 2,5 %.  US English: Jul 27, 2026 or 07/27/2026, 1,234, 2.5%.

  var cfg = JSON.parse(document.getElementById('demo-config').textContent);
  var DE = cfg.lang === 'de';
  var DASH = '—';
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

  function plainDigits(n) {
    var s = String(n);
    if (!/e/i.test(s)) return s;
    // 1e-7 or 1e21: write the digits out, as a page would.
    return n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
  }

  function fmtNumber(value) {
    if (!present(value)) return null;
    if (typeof value !== 'number') return String(value);
    var s = plainDigits(value);
    var negative = s.charAt(0) === '-';
    if (negative) s = s.slice(1);
    var parts = s.split('.');
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, DE ? '.' : ',');
    return (negative ? '-' : '') + whole + (parts[1] ? (DE ? ',' : '.') + parts[1] : '');
  }

  function fmtPercent(value) {
    if (!present(value)) return null;
    if (typeof value !== 'number') return String(value);
    return fmtNumber(value) + (DE ? ' %' : '%');
  }

  // Voice of the Customer's JSON sends rates as fractions of one (0.0013); the page shows percent (0.13%).
  // The decimal point is moved in the digits, so 0.1042 shows as 10.42 and not as 10.419999999999998.
  function fmtFraction(value) {
    if (!present(value)) return null;
    if (typeof value !== 'number') return String(value);
    var s = plainDigits(value);
    var negative = s.charAt(0) === '-';
    if (negative) s = s.slice(1);
    var parts = s.split('.');
    var decimals = (parts[1] || '') + '00';
    var whole = (parts[0] + decimals.slice(0, 2)).replace(/^0+(?=\d)/, '');
    var rest = decimals.slice(2).replace(/0+$/, '');
    return fmtPercent(Number((negative ? '-' : '') + whole + (rest ? '.' + rest : '')));
  }

  function ymd(value) {
    if (typeof value === 'number' || (typeof value === 'string' && /^\d{11,14}$/.test(value))) {
      var d = new Date(Number(value)); // epoch milliseconds mean a UTC day
      return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    }
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(value)); // an ISO timestamp's day in its own offset
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
  }

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  function fmtDate(value, numeric) {
    if (!present(value)) return null;
    var d = ymd(value);
    if (!d) return String(value);
    if (DE) return pad(d[2]) + '.' + pad(d[1]) + '.' + d[0];
    return numeric ? pad(d[1]) + '/' + pad(d[2]) + '/' + d[0] : MONTHS[d[1] - 1] + ' ' + d[2] + ', ' + d[0];
  }

  function label(enumName, code) {
    if (!present(code)) return null;
    var table = cfg.labels[enumName] || {};
    return Object.prototype.hasOwnProperty.call(table, code) ? table[code] : String(code);
  }

  function or(text, placeholder) {
    return present(text) ? String(text) : placeholder === undefined ? DASH : placeholder;
  }

  var T = DE ? {
    rows: function (n) { return n + (n === 1 ? ' Eintrag' : ' Einträge'); },
    page: function (p, n) { return 'Seite ' + p + ' von ' + n; },
    prev: 'Zurück', next: 'Weiter', view: 'Anzeigen', details: 'Details anzeigen', unread: 'Ungelesen',
    failed: 'Die Daten konnten nicht geladen werden.', loading: 'Wird geladen …',
    writeDone: 'Demo: Es wurde nichts gesendet oder geändert.', all: 'Alle', search: 'Suchen'
  } : {
    rows: function (n) { return n + (n === 1 ? ' item' : ' items'); },
    page: function (p, n) { return 'Page ' + p + ' of ' + n; },
    prev: 'Previous', next: 'Next', view: 'View', details: 'See details', unread: 'Unread',
    failed: 'The data could not be loaded.', loading: 'Loading …',
    writeDone: 'Demo: nothing was sent or changed.', all: 'All', search: 'Search'
  };

  function writeButton(action, id, variant) {
    return h('kat-button', {
      className: 'demo-write-action', 'data-write-action': action, 'data-row-id': id,
      label: cfg.writeLabels[action] || action, variant: variant || 'secondary'
    });
  }

  function table(cls, columns, rows, headerClass) {
    return h('kat-table', { className: cls },
      h('kat-table-head', {},
        h('kat-table-row', { className: headerClass },
          columns.map(function (c) { return h('kat-table-cell', { 'data-column': c[0], role: 'columnheader', text: c[1] }); }))),
      h('kat-table-body', {}, rows));
  }

  function cell(column, content) {
    return h('kat-table-cell', { 'data-column': column }, content);
  }

  // --- paging --------------------------------------------------------------------------------------------

  function currentPage() {
    var n = parseInt(new URLSearchParams(location.search).get('page'), 10);
    return n > 0 ? n : 1;
  }

  function pageHref(n) {
    var q = new URLSearchParams(location.search);
    q.set('page', String(n));
    return '?' + q.toString();
  }

  function pageCount(total) {
    return Math.max(1, Math.ceil(total / cfg.pageSize));
  }

  // The pager of the list pages: real links that reload the page with ?page=N.
  function linkPager(cls, page, total) {
    var pages = pageCount(total);
    var prev = page > 1 ? h('a', { rel: 'prev', href: pageHref(page - 1), text: '‹ ' + T.prev })
      : h('a', { rel: 'prev', 'aria-disabled': 'true', text: '‹ ' + T.prev });
    var next = page < pages ? h('a', { rel: 'next', href: pageHref(page + 1), text: T.next + ' ›' })
      : h('a', { rel: 'next', 'aria-disabled': 'true', text: T.next + ' ›' });
    return h('nav', { className: cls, 'aria-label': 'Pagination' }, prev, ' ',
      h('span', { className: 'pager-status', text: T.page(page, pages) }), ' ', next);
  }

  function fetchJson(url, init) {
    init.credentials = 'include';
    init.headers = Object.assign({ Accept: 'application/json' }, init.headers || {});
    return fetch(url, init).then(function (response) {
      var type = response.headers.get('Content-Type') || '';
      // A server error or a rate limit is an error the page shows, not a lost session.
      if (response.status >= 500 || response.status === 429) throw new Error('HTTP ' + response.status);
      if (type.indexOf('json') < 0) {
        // A signed-out request gets the sign-in page instead of JSON, as on the real site.
        location.assign('/ap/signin?' + new URLSearchParams({ 'openid.return_to': location.pathname + location.search }));
        return new Promise(function () {});
      }
      if (!response.ok) throw new Error('HTTP ' + response.status);
      return response.json().then(function (body) {
        if (cfg.renamed) {
          // The "json_field_renamed" fault: this page's script knows the field's new name (cfg.renamed).
          var rows = get(body, cfg.rows);
          (Array.isArray(rows) ? rows : []).forEach(function (row) {
            if (row && cfg.renamed[1] in row) { row[cfg.renamed[0]] = row[cfg.renamed[1]]; delete row[cfg.renamed[1]]; }
          });
        }
        return { body: body, header: Number(response.headers.get('X-Demo-Total-Count')) };
      });
    });
  }

  function fetchPage(page) {
    // A page number, or a row offset (0, 25, 50 ...) where the endpoint pages by rows.
    var value = cfg.paging.start + (cfg.paging.unit === 'row' ? (page - 1) * cfg.pageSize : page - 1);
    if (cfg.method === 'POST') {
      var body = JSON.parse(JSON.stringify(cfg.params));
      body[cfg.paging.pageParam] = value;
      body[cfg.paging.sizeParam] = cfg.pageSize;
      return fetchJson(cfg.endpoint, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
      }).then(result);
    }
    var q = new URLSearchParams();
    Object.keys(cfg.params).forEach(function (k) {
      [].concat(cfg.params[k]).forEach(function (v) { q.append(k, String(v)); });
    });
    q.set(cfg.paging.pageParam, String(value));
    q.set(cfg.paging.sizeParam, String(cfg.pageSize));
    return fetchJson(cfg.endpoint + '?' + q.toString(), {}).then(result);

    // total: Amazon's count as the body says it (shown in the page's counters); listed: the rows the list really
    // has (the demo's own header), which the pager follows, so a test can make the count disagree with the list.
    function result(r) {
      var rows = get(r.body, cfg.rows) || [];
      var total = cfg.total ? get(r.body, cfg.total) : r.header;
      var listed = typeof r.header === 'number' && !isNaN(r.header) ? r.header : rows.length;
      return { rows: rows, total: typeof total === 'number' ? total : listed, listed: listed, body: r.body };
    }
  }

  // --- sections ------------------------------------------------------------------------------------------

  var render = {};

  render.notifications = function (data, page) {
    if (!data.rows.length) {
      return [h('div', { className: 'notifications-empty', 'data-testid': 'notifications-empty' },
        h('p', { text: DE ? 'Sie haben keine Leistungsbenachrichtigungen.' : 'You have no performance notifications.' }))];
    }
    var rows = data.rows.map(function (n) {
      var c = n.content || {};
      var read = c.read === true ? 'true' : c.read === false ? 'false' : null;
      var detail = '/performance/notifications/' + n.id;
      return h('kat-table-row', {
        className: 'notification-row' + (c.read === false ? ' notification-unread' : ''),
        'data-notification-id': n.id, 'data-read': read
      },
      cell('date', or(fmtDate(c.created))),
      cell('type', or(c.category)),
      cell('subject', [h('a', { href: detail }, h('strong', { text: c.subject })),
        c.read === false ? [' ', h('kat-badge', { label: T.unread, type: 'info' })] : null]),
      cell('actions', [h('kat-link', { href: detail, label: T.view }), ' ', writeButton('appeal', n.id)]));
    });
    return [
      h('div', { className: 'notifications-toolbar' },
        h('span', { className: 'notifications-count', text: T.rows(data.total) }), ' ',
        h('kat-dropdown', { label: DE ? 'Filtern nach' : 'Filter by', placeholder: T.all })),
      table('notifications-table', [['date', DE ? 'Datum' : 'Date'], ['type', DE ? 'Typ' : 'Type'],
        ['subject', DE ? 'Betreff' : 'Subject'], ['actions', DE ? 'Aktionen' : 'Actions']], rows, 'notifications-header'),
      linkPager('notifications-pager', page, data.listed)
    ];
  };

  var HEALTH = ['VERY_POOR', 'POOR', 'FAIR', 'GOOD', 'EXCELLENT'];
  var HEALTH_KEYS = { VERY_POOR: 'veryPoorCount', POOR: 'poorCount', FAIR: 'fairCount', GOOD: 'goodCount', EXCELLENT: 'excellentCount' };
  var HEALTH_TYPE = { VERY_POOR: 'error', POOR: 'warning', FAIR: 'warning', GOOD: 'success', EXCELLENT: 'success', SUPPRESSED: 'error' };

  function vocKpi(summary) {
    return h('kat-box', { className: 'voc-kpi', 'data-testid': 'cx-health-breakdown' },
      h('div', { className: 'voc-kpi-heading' },
        h('h3', { text: DE ? 'Aufschlüsselung der CX-Integrität Ihrer Angebote' : 'CX Health breakdown of your listings' })),
      HEALTH.map(function (key) {
        return h('div', { className: 'voc-health-tile', 'data-health': key },
          h('kat-badge', { label: label('CxHealth', key), type: HEALTH_TYPE[key] }),
          h('div', { className: 'voc-health-count', text: fmtNumber(summary[HEALTH_KEYS[key]] || 0) }));
      }));
  }

  function returnBadge(r) {
    // isHRRA: the listing shows Amazon's return badge; isAtRiskOfHRRA: Amazon's warning before it does.
    if (r.isHRRA === true) return DE ? 'Ja' : 'Yes';
    if (r.isAtRiskOfHRRA === true) return DE ? 'Gefährdet' : 'At risk';
    return '--';
  }

  function vocRate(value, graded) {
    return [h('div', { className: 'voc-value', text: or(fmtFraction(value), '--') }),
      graded === false ? h('div', { className: 'voc-subtext', text: DE ? 'Unzureichende Daten' : 'Insufficient Data' }) : null];
  }

  function vocRows(rows) {
    var out = rows.map(function (r) {
      var health = r.pcxHealth;
      var needsWork = health === 'VERY_POOR' || health === 'POOR' || health === 'SUPPRESSED';
      return h('kat-table-row', { className: 'voc-row', 'data-asin': r.asin },
        cell('image', h('span', { className: 'voc-image', 'aria-hidden': 'true' })),
        cell('product', [
          present(r.itemName) ? h('kat-link', { className: 'voc-item-link', href: r.retailUrl, target: '_blank' },
            h('span', { className: 'voc-item-name', text: r.itemName })) : null,
          h('div', { className: 'voc-asin', text: r.asin })]),
        // "SKU / Condition" shows the FNSKU over the condition; an offer without one shows its merchant SKU.
        cell('sku', [present(r.fnsku) ? h('div', { className: 'voc-fnsku', text: r.fnsku })
          : present(r.mskus) ? h('div', { className: 'voc-sku', text: r.mskus }) : null,
          present(r.condition) ? h('div', { className: 'voc-condition', text: label('ItemCondition', r.condition) }) : null]),
        cell('fulfilled_by', or(label('FulfillmentChannel', r.fulfillmentChannel), '')),
        cell('ncx_rate', vocRate(r.ncxRate)),
        cell('ncx_orders', or(fmtNumber(r.ncxCount), '--')),
        cell('total_orders', or(fmtNumber(r.orderCount), '--')),
        cell('ncx_review_rate', vocRate(r.ncxReviewRate, r.isListingGraded)),
        cell('ncx_return_rate', vocRate(r.ncxReturnRate, r.isListingGraded)),
        cell('top_ncx_reason', or(label('ReturnReason', r.mostCommonReturnReasonBucket), '--')),
        cell('last_updated', or(fmtDate(r.lastUpdate), '--')),
        cell('status', present(health) ? h('kat-badge', { label: label('CxHealth', health), type: HEALTH_TYPE[health] || 'info' }) : null),
        cell('return_badge', returnBadge(r)),
        cell('action', [h('kat-button', { className: 'voc-see-details', variant: 'primary', label: T.details, 'data-asin': r.asin }),
          needsWork ? [' ', writeButton('resolve-problem', r.asin)] : null]));
    });
    if (out.length) {
      // Like the live page, a hidden copy of a row with the same ids; only the computed style hides it.
      var copy = out[Math.min(1, out.length - 1)].cloneNode(true);
      copy.classList.add('voc-row-shadow-copy');
      out.splice(Math.min(2, out.length), 0, copy);
    }
    return out;
  }

  function vocPager(page, total) {
    return h('div', { id: 'listing-table-pagination' },
      h('kat-pagination', { page: page, 'items-per-page': cfg.pageSize, 'total-items': total }));
  }

  function vocListing(data, page) {
    var box = h('div', { className: 'voc-listing' });
    if (cfg.showCounts) {
      append(box, h('h2', { className: 'voc-listing-count', text: (DE ? data.total + ' Angebote' : data.total + ' Offer Listings') }));
    }
    if (!data.rows.length) {
      append(box, h('div', { className: 'voc-empty-state', 'data-testid': 'voc-empty' },
        h('kat-alert', { variant: 'info', header: DE ? 'Keine Angebote gefunden' : 'No listings found' },
          DE ? 'Für Ihre Suche oder die ausgewählten Filter wurden keine Angebote gefunden.'
            : 'No listings match your search or the selected filters.')));
      return box;
    }
    append(box, table('voc-listings', [['image', DE ? 'Bild' : 'Image'], ['product', DE ? 'Produktname ASIN' : 'Product name ASIN'],
      ['sku', DE ? 'SKU Zustand' : 'SKU Condition'], ['fulfilled_by', DE ? 'Versand durch' : 'Fulfilled by'],
      ['ncx_rate', DE ? 'NCX-Rate' : 'NCX rate'], ['ncx_orders', DE ? 'NCX-Bestellungen' : 'NCX orders'],
      ['total_orders', DE ? 'Bestellungen gesamt' : 'Total orders'], ['ncx_review_rate', DE ? 'NCX-Bewertungsrate' : 'NCX Review Rate'],
      ['ncx_return_rate', DE ? 'NCX-Rücksendequote' : 'NCX Return Rate'], ['top_ncx_reason', DE ? 'Häufigster NCX-Grund' : 'Top NCX reason'],
      ['last_updated', DE ? 'Zuletzt aktualisiert' : 'Last updated'], ['status', 'Status'],
      ['return_badge', DE ? 'Rücksende-Badge angezeigt' : 'Return Badge Displayed'], ['action', DE ? 'Aktion' : 'Action']],
    vocRows(data.rows), 'voc-header-row'));
    append(box, vocPager(page, data.listed));
    return box;
  }

  render.voice_of_customer = function (data, page, summary) {
    var listing = vocListing(data, page);
    var state = { busy: false };
    listing.addEventListener('change', function (event) {
      if (event.target.tagName !== 'KAT-PAGINATION' || state.busy) return;
      var target = event.detail.page;
      state.busy = true;
      // Take the old rows away before fetching, so nobody reads them as the new page.
      listing.replaceChildren(spinner());
      fetchPage(target).then(function (next) {
        listing.replaceChildren.apply(listing, Array.prototype.slice.call(vocListing(next, target).childNodes));
      }, function () {
        listing.replaceChildren(failure());
      }).then(function () { state.busy = false; });
    });
    return [
      vocKpi(summary || {}),
      h('kat-box', { className: 'voc-filters' },
        h('kat-input', { type: 'search', placeholder: DE ? 'Titel, ASIN suchen' : 'Search title, ASIN' }), ' ',
        h('kat-dropdown', { className: 'voc-filter', label: DE ? 'Versand durch' : 'Fulfilled by' }), ' ',
        h('kat-dropdown', { className: 'voc-filter', label: 'Status' })),
      listing
    ];
  };

  // The case lobby's JSON spells a status CamelCase or upper-cased (PendingAmazonAction, PENDINGAMAZONACTION);
  // the label table is keyed by the upper-cased code without separators.
  function caseCode(code) {
    return present(code) ? String(code).replace(/[\s_-]+/g, '').toUpperCase() : null;
  }

  function caseStatusLabel(code) {
    if (!present(code)) return null;
    var table = cfg.labels.CaseStatus || {};
    var key = caseCode(code);
    return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : String(code);
  }

  // creationDate is epoch seconds, often with a fraction (1788541015.867): shown as its UTC day.
  function fmtEpochSeconds(value) {
    if (!present(value)) return null;
    var seconds = Number(value);
    if (!isFinite(seconds)) return String(value);
    return fmtDate(new Date(seconds * 1000).toISOString().slice(0, 10), true);
  }

  render.case_log = function (data, page) {
    if (!data.rows.length) {
      return [h('div', { className: 'case-lobby-empty', 'data-testid': 'case-lobby-no-results' },
        h('kat-alert', { variant: 'info', header: DE ? 'Keine Fälle gefunden' : 'No cases found' },
          DE ? 'Es gibt keine Fälle, die Ihren Suchkriterien entsprechen.' : 'There are no cases matching your search.'))];
    }
    // Columns for data no live body was seen to carry: shown only where the demo data has it (edge case).
    var showUpdated = data.rows.some(function (c) { return c && 'lastModifiedDate' in c; });
    var showOpener = data.rows.some(function (c) { return c && 'creatorType' in c; });
    function row(c, hiddenCopy) {
      var waiting = caseCode(c.status) === 'PENDINGSELLERACTION';
      return h('kat-table-row', {
        className: 'case-row' + (waiting ? ' case-needs-attention' : '') + (hiddenCopy ? ' case-row-compare' : ''),
        'data-case-id': c.caseId
      },
      cell('case_id', h('a', { href: '/cu/case-dashboard/view-case?caseID=' + c.caseId, text: String(c.caseId) })),
      cell('subject', or(c.shortDescription)),
      cell('status', or(caseStatusLabel(c.status))),
      cell('created', or(fmtEpochSeconds(c.creationDate))),
      showUpdated ? cell('last_updated', or(fmtEpochSeconds(c.lastModifiedDate))) : null,
      showOpener ? cell('opened_by', or(label('CaseOpener', c.creatorType))) : null,
      cell('actions', waiting ? writeButton('reply-case', c.caseId, 'primary') : null));
    }
    var rows = [];
    data.rows.forEach(function (c, i) {
      rows.push(row(c, false));
      // Like Amazon's tables, a hidden copy of the first row; only its computed style (demo.css) hides it.
      if (i === 0) rows.push(row(c, true));
    });
    var columns = [['case_id', DE ? 'Fall-ID' : 'Case ID'], ['subject', DE ? 'Betreff' : 'Subject'],
      ['status', 'Status'], ['created', DE ? 'Erstellt' : 'Created']];
    if (showUpdated) columns.push(['last_updated', DE ? 'Zuletzt aktualisiert' : 'Last updated']);
    if (showOpener) columns.push(['opened_by', DE ? 'Eröffnet von' : 'Opened by']);
    columns.push(['actions', '']);
    var first = (page - 1) * cfg.pageSize + 1;
    var last = first + data.rows.length - 1;
    return [
      h('div', { className: 'case-lobby-toolbar' },
        cfg.showCounts ? h('span', { className: 'case-lobby-count', text: DE ? 'Fälle ' + first + ' bis ' + last + ' von ' + data.total
          : 'Cases ' + first + ' to ' + last + ' of ' + data.total }) : null, ' ',
        h('kat-input', { type: 'search', placeholder: DE ? 'Fälle durchsuchen' : 'Search cases' })),
      table('case-lobby-table', columns, rows, 'case-lobby-header'),
      linkPager('case-lobby-pager', page, data.listed)
    ];
  };

  function productCell(r, titleText, asin, skus, url) {
    var parts = [];
    if (present(titleText)) {
      parts.push(h('div', { className: 'product-title' },
        url ? h('kat-link', { href: url, target: '_blank' }, h('span', { className: 'title', text: titleText }))
          : h('span', { className: 'title', text: titleText })));
    }
    if (present(asin)) parts.push(h('div', { className: 'product-id' }, h('span', { className: 'label', text: 'ASIN:' }), ' ', h('span', { className: 'asin', text: asin })));
    skus.filter(present).forEach(function (sku) {
      parts.push(h('div', { className: 'product-id' }, h('span', { className: 'label', text: 'SKU:' }), ' ', h('span', { className: 'sku', text: sku })));
    });
    return parts.length ? parts : DASH;
  }

  // --- regulatory compliance: the Regulatory Compliance tab of the Account Health product-policies page -------
  // Markup after the live page's test ids (ids 68466876270, 51769415085): #ahd-product-policy-page,
  // #ahd-product-policies-table, rows [data-testid=ahd-product-policies-table-row] with ahd-ppc-row-* cells,
  // grouped rows with an .ahd-accordion of [data-testid=ahd-nested-product-policy] rows (ten per page), and
  // the pager #ahd-pp-pagination-katal-control. Difference, on purpose: the pager's nav controls are light
  // DOM here (the live control keeps them in its open shadow root). The accordions start collapsed, as the
  // live ones do. Test ids not seen live are invented
  // after the seen ahd-ppc-row-* pattern, as in the DOM fixtures.

  var RC = DE ? {
    headers: ['Grund', 'Datum', 'Was war betroffen?', 'Gefährdeter Umsatz', 'Ergriffene Maßnahme',
      'Auswirkung auf die Kontozustandsbewertung', 'Nächste Schritte'],
    tabs: ['Offen', 'Archiviert'], products: function (n) { return n + ' Produkte'; },
    violations: function (n) { return 'Verstöße: ' + n; }, page: function (p) { return 'Seite ' + p; },
    empty: 'Derzeit liegen keine Verstöße gegen Produktrichtlinien vor', expand: 'Ausklappen', collapse: 'Einklappen',
    go: 'Los', nav: ['Kontozustand', 'Leistung im Kundenservice', 'Einhaltung der Produktrichtlinien', 'Versandleistung']
  } : {
    headers: ['Reason', 'Date', 'What was impacted?', 'At Risk Sales', 'Action Taken', 'Account Health Rating Impact',
      'Next Steps'],
    tabs: ['Open', 'Archived'], products: function (n) { return n + ' products'; },
    violations: function (n) { return 'Violations: ' + n; }, page: function (p) { return 'Page ' + p; },
    empty: 'You currently do not have any Product Policy Violations', expand: 'Expand', collapse: 'Collapse',
    go: 'Go', nav: ['Account Health', 'Customer Service Performance', 'Product Policy Compliance', 'Shipping Performance']
  };
  var NESTED_PAGE = 10;

  // POST with body {} and the paging in the query, as the live page calls it (id 56689422320).
  function fetchViolations(offset, token) {
    var q = new URLSearchParams();
    q.set('metricNames', cfg.params.metricNames);
    q.set(cfg.paging.sizeParam, String(cfg.pageSize));
    q.set(cfg.paging.pageParam, String(offset));
    q.set('statuses', cfg.params.statuses);
    q.set(cfg.paging.tokenParam, token || '');
    q.set('platform', cfg.params.platform);
    return fetchJson(cfg.endpoint + '?' + q.toString(), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}'
    }).then(function (r) {
      return { rows: get(r.body, cfg.rows) || [], body: r.body, offset: offset, token: token || '', listed: r.header };
    });
  }

  function rcKind(reason) {
    var text = String(reason || '').toLowerCase();
    if (/safety|sicherheit/.test(text)) return 'PSI';
    if (/responsible|verantwortlich/.test(text)) return 'RP';
    return 'MFR';
  }

  var RC_SUFFIX = { PSI: 'COSS.GPSR_PSI_ASIN', RP: 'COSS.GPSR_RP_BRAND', MFR: 'COSS.GPSR_MFR_BRAND' };

  function required(text) {
    return /required|erforderlich/i.test(String(text || ''));
  }

  // Only ?asin=...&sku=... is seen in the live link; the path is invented.
  function listingUrl(asin, sku) {
    var q = new URLSearchParams({ asin: asin });
    if (present(sku)) q.set('sku', sku);
    return '/abis/listing/edit/offer?' + q.toString();
  }

  function submitButton(asin, variant) {
    var button = writeButton('submit', asin, variant);
    button.setAttribute('data-testid', 'ahd-action-button-' + asin);
    return button;
  }

  function rcCell(testid, text) {
    return h('kat-table-cell', { className: 'ahd-pp-cell' }, h('span', { 'data-testid': testid, text: or(text) }));
  }

  function nestedRows(asins, skus, steps, page) {
    var rows = [];
    for (var n = (page - 1) * NESTED_PAGE; n < Math.min(asins.length, page * NESTED_PAGE); n++) {
      rows.push(h('div', { 'data-testid': 'ahd-nested-product-policy', className: 'ahd-nested-row' },
        h('a', { 'data-testid': 'ahd-listing-url-product-policy-desktop', href: listingUrl(asins[n], skus[n]), target: '_blank', text: asins[n] }),
        h('span', { className: 'text-size-sm text-secondary', text: 'ASIN: ' + asins[n] }),
        present(skus[n]) ? h('span', { className: 'text-size-sm text-secondary', text: 'SKU: ' + skus[n] }) : null,
        required(steps) ? submitButton(asins[n]) : null,
        present(steps) ? h('span', { className: 'text-size-sm text-secondary', text: steps }) : null));
    }
    return rows;
  }

  function accordion(asins, skus, steps) {
    var pages = Math.ceil(asins.length / NESTED_PAGE);
    var body = h('div', { className: 'ahd-accordion__body' }, nestedRows(asins, skus, steps, 1));
    if (pages > 1) {
      var input = h('input', { type: 'number', min: 1, max: pages, value: 1, 'data-testid': 'ahd-nested-pagination-number-input' });
      var go = h('kat-button', { label: RC.go, 'data-testid': 'ahd-nested-pagination-submit-button' });
      var pager = h('div', { className: 'ahd-nested-pagination' }, input, ' / ' + pages + ' ', go);
      go.addEventListener('click', function () {
        var p = Math.max(1, Math.min(pages, parseInt(input.value, 10) || 1));
        body.replaceChildren.apply(body, nestedRows(asins, skus, steps, p).concat([pager]));
      });
      append(body, pager);
    }
    // Collapsed at first, like the live groups: the walk opens them (dom.expand) before it saves the page.
    var button = h('button', { className: 'ahd-accordion__button', type: 'button', 'aria-label': 'expand', 'aria-expanded': 'false', title: RC.expand });
    var box = h('div', { className: 'ahd-accordion ahd-accordion--collapsed' }, button, body);
    button.addEventListener('click', function () {
      var open = box.classList.toggle('ahd-accordion--collapsed') === false;
      button.setAttribute('aria-label', open ? 'collapse' : 'expand');
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
      button.title = open ? RC.collapse : RC.expand;
    });
    return box;
  }

  function violationRow(v, i, hidden) {
    var entity = v.affectedEntity || {};
    var asins = entity.asins || [];
    var skus = entity.skus || [];
    var reason = v.reason ? v.reason.reason : null;
    var kind = rcKind(reason);
    var grouped = asins.length > 1;
    var steps = v.nextSteps ? v.nextSteps.text : null;
    var rid = i + '_' + (kind === 'PSI' && asins.length ? asins[0] : 'DEMOBRAND') + '_' + RC_SUFFIX[kind];
    var impacted = grouped ? h('span', { className: 'ahd-pp-group-summary', text: RC.products(asins.length) }) : [
      h('a', { 'data-testid': 'ahd-listing-url-product-policy-desktop', href: listingUrl(asins[0], skus[0]), target: '_blank', text: or(entity.title, asins[0]) }),
      h('div', { className: 'text-size-sm text-secondary', text: 'ASIN: ' + asins[0] }),
      present(skus[0]) ? h('div', { className: 'text-size-sm text-secondary', text: 'SKU: ' + skus[0] }) : null];
    return h('kat-table-row', {
      'data-testid': 'ahd-product-policies-table-row',
      className: 'ahd-pp-table-row' + (grouped ? ' ahd-pp-grouped' : '') + (hidden ? ' ahd-shadow-compare' : '')
    },
    h('kat-table-cell', { className: 'ahd-pp-cell' },
      h('kat-link', { 'data-testid': 'ahd-ppc-row-reason-' + rid, className: 'ahd-pp-reason-link' }, h('span', {}, h('span', { text: or(reason) })))),
    rcCell('ahd-ppc-row-date-' + i, v.impactDate ? v.impactDate.formattedDate : null),
    h('kat-table-cell', { className: 'ahd-pp-cell', 'data-testid': 'ahd-ppc-row-impacted-' + i }, impacted),
    rcCell('ahd-ppc-row-at-risk-sales-' + i, v.gmsImpact),
    rcCell('ahd-ppc-row-action-taken-' + i, v.actionTaken ? v.actionTaken.text : null),
    rcCell('ahd-ppc-row-ahr-' + i, v.ahrImpact),
    h('kat-table-cell', { className: 'ahd-pp-cell' },
      present(steps) ? h('div', { 'data-testid': 'ahd-ppc-row-next-steps-' + i, className: 'text-size-sm text-secondary', text: steps }) : null,
      !grouped && required(steps) && asins.length ? submitButton(asins[0], 'primary') : null),
    grouped ? accordion(asins, skus, steps) : null);
  }

  // The table's content for one page: the rows (the first with a hidden duplicate, as Amazon renders one)
  // or the empty state (invented: never seen live).
  function violationsTable(result) {
    var header = h('kat-table-head', {}, h('kat-table-row', { className: 'ahd-pp-table-header' },
      RC.headers.map(function (text) { return h('kat-table-cell', { role: 'columnheader', text: text }); })));
    if (!result.rows.length) {
      return [h('kat-table', { className: 'ahd-pp-table' }, header),
        h('div', { 'data-testid': 'ahd-pp-no-violations', className: 'ahd-pp-empty' },
          h('kat-alert', { variant: 'success', description: RC.empty }))];
    }
    var rows = [];
    result.rows.forEach(function (v, n) {
      var i = result.offset + n;
      rows.push(violationRow(v, i, false));
      if (n === 0) rows.push(violationRow(v, i, true));
    });
    return [h('kat-table', { className: 'ahd-pp-table' }, header, h('kat-table-body', {}, rows))];
  }

  function violationsPager(result, first) {
    var last = !result.body[cfg.paging.tokenParam];
    return h('kat-pagination', { id: 'ahd-pp-pagination-katal-control', page: Math.floor(result.offset / cfg.pageSize) + 1, 'items-per-page': cfg.pageSize },
      h('span', { part: 'pagination-nav-left', className: 'nav-control' + (first ? ' end' : ''), role: 'button', 'aria-label': T.prev, text: '‹' }),
      h('span', { className: 'pager-status', text: RC.page(Math.floor(result.offset / cfg.pageSize) + 1) }),
      h('span', { part: 'pagination-nav-right', className: 'nav-control' + (last ? ' end' : ''), role: 'button', 'aria-label': T.next, text: '›' }));
  }

  // The sub-title is the tab's own count of its list (the demo's count of the case's rows, moved by a test's skew).
  render.regulatory_compliance = function (data) {
    var metric = cfg.showCounts && typeof data.listed === 'number' && !isNaN(data.listed) ? Math.max(0, data.listed + cfg.countSkew) : null;
    var table = h('div', { id: 'ahd-product-policies-table' }, violationsTable(data));
    var pagerBox = h('div', { className: 'ahd-pp-pager' }, data.rows.length ? violationsPager(data, true) : null);
    // Requests made so far, so that "previous" can repeat one with its own token.
    var trail = [{ offset: 0, token: '' }];
    var state = { result: data, busy: false };
    pagerBox.addEventListener('click', function (event) {
      var control = event.target.closest('[part^="pagination-nav-"]');
      if (!control || control.classList.contains('end') || state.busy) return;
      var next = control.getAttribute('part') === 'pagination-nav-right';
      var request = next ? { offset: state.result.offset + cfg.pageSize, token: state.result.body[cfg.paging.tokenParam] }
        : trail[trail.length - 2];
      if (!request) return;
      state.busy = true;
      // Take the old rows away before fetching, so nobody reads them as the new page.
      table.replaceChildren(spinner());
      fetchViolations(request.offset, request.token).then(function (result) {
        if (next) trail.push(request); else trail.pop();
        state.result = result;
        table.replaceChildren.apply(table, violationsTable(result));
        pagerBox.replaceChildren(violationsPager(result, trail.length === 1));
      }, function () {
        table.replaceChildren(failure());
      }).then(function () { state.busy = false; });
    });
    return [h('div', { id: 'ahd-product-policy-page' },
      h('div', { className: 'ahd-nav' }, RC.nav.map(function (label, n) {
        return h('a', { className: 'ahd-nav-link' + (n === 2 ? ' ahd-nav-link-selected' : ''),
          href: ['/performance/dashboard', '/performance/customer-service', '/performance/account/health/product-policies?t=', '/performance/shipping'][n], text: label });
      })),
      h('div', { 'data-testid': 'ahd-pp-sub-title', text: typeof metric === 'number' ? RC.violations(metric) : '' }),
      h('kat-tabs', { className: 'ahd-pp-status-tabs', selected: 'open' },
        h('kat-tab-header', { 'tab-id': 'open', selected: true, text: RC.tabs[0] }),
        h('kat-tab-header', { 'tab-id': 'archived', text: RC.tabs[1] })),
      table, pagerBox)];
  };

  var APPROVAL_TYPE = { ACTION_REQUIRED: 'warning', ACTIVE: 'warning', UNDER_REVIEW: 'info', PENDING: 'info', APPROVED: 'success', REJECTED: 'error' };

  function missingInformation(issue) {
    var out = [];
    (issue.grainRequirementIssueInstances || []).forEach(function (inst) {
      var info = inst && inst.requirementIssueData ? inst.requirementIssueData.missingInformation : null;
      [].concat(info).forEach(function (item) { if (present(item)) out.push(String(item)); });
    });
    return out;
  }

  // Product compliance requests. The page was never seen: the markup is invented, the strings are the seen ones
  // of the compliance-request i18n bundle (S1 sec-12) where there are any. The rows come from the MYC endpoint,
  // which lists ACTIVE issues; approvalStatus, dueDate and rejectionReason were never seen in its answer, so
  // the page shows them only where the body has them.
  var CR = DE ? {
    title: 'Anfragen zur Produkt-Compliance',
    count: function (n) { return 'Anfragen: ' + n; },
    intro: 'Für die folgenden Produkte benötigen wir Unterlagen. Reichen Sie sie rechtzeitig ein.',
    cols: ['Produkt', 'Compliance-Anforderungen', 'Freischaltungsstatus', 'Fälligkeitsdatum', 'Ablehnungsgrund', 'Aktion'],
    emptyHeader: 'Keine Anfragen zu Produkt-Compliance-Dokumenten',
    emptyDescription: 'Sie haben derzeit keine Verstöße gegen Produktrichtlinien.'
  } : {
    title: 'Product Compliance Requests',
    count: function (n) { return 'Requests: ' + n; },
    intro: 'We need documents for the products below. Provide them before the due date.',
    cols: ['Product', 'Information Requested', 'Approval status', 'Due Date', 'Rejection reason', 'Action'],
    emptyHeader: 'Zero Product Compliance Document Requests',
    emptyDescription: 'You currently do not have any Product Policy Violations'
  };

  render.compliance_requests = function (data, page) {
    var head = [h('h2', { className: 'cr-title', text: CR.title }),
      cfg.showCounts ? h('p', { className: 'cr-subtitle', text: CR.count(data.total) }) : null];
    if (!data.rows.length) {
      return head.concat([h('kat-alert', { className: 'cr-empty-state', variant: 'success', header: CR.emptyHeader,
        description: CR.emptyDescription })]);
    }
    var rows = data.rows.map(function (r) {
      var status = r.approvalStatus;
      var skus = (r.offerInfo || []).map(function (o) { return o ? o.sku : null; }).filter(present);
      var product = [];
      if (present(r.title)) product.push(h('div', { className: 'product-title' }, h('span', { className: 'title', text: r.title })));
      product.push(h('div', { className: 'product-id' }, h('span', { className: 'grain', text: r.grain })));
      if (skus.length) {
        var spans = [];
        skus.forEach(function (sku, i) { if (i) spans.push(', '); spans.push(h('span', { className: 'sku', text: sku })); });
        product.push(h('div', { className: 'product-id' }, h('span', { className: 'label', text: 'SKU:' }), ' ', spans));
      }
      return h('kat-table-row', { className: 'compliance-request-row', 'data-grain': r.grain },
        cell('product', product),
        cell('requirements', h('ul', { className: 'requirement-list' },
          missingInformation(r).map(function (item) { return h('li', { text: item }); }))),
        cell('approval_status', present(status) ? h('kat-badge', { label: label('ApprovalStatus', status), type: APPROVAL_TYPE[status] || 'info' }) : null),
        cell('due_date', or(fmtDate(r.dueDate))),
        cell('rejection_reason', or(r.rejectionReason)),
        cell('action', status === 'APPROVED' ? null : writeButton('provide-documentation', r.grain, 'primary')));
    });
    return head.concat([
      h('p', { className: 'cr-intro', text: CR.intro }),
      table('compliance-requests', [['product', CR.cols[0]], ['requirements', CR.cols[1]], ['approval_status', CR.cols[2]],
        ['due_date', CR.cols[3]], ['rejection_reason', CR.cols[4]], ['action', CR.cols[5]]], rows, 'compliance-requests-header'),
      linkPager('compliance-pager', page, data.listed)
    ]);
  };

  // Feedback Manager in the live shape (shared/reference/seller-central.md 9b, id 68585964457): every data row
  // is a kat-table-row with the same id="feedback-details"; the order id is the kat-link's label (no href); the
  // comment cell has no col_* class and carries Amazon's note on orders it fulfilled; the pager's two controls
  // are always there, told apart as usable by the absence of the class pagination-nav-disabled, and re-render
  // the list in place. The page asks /fbmapi/v1/feedbacks twice per page (excludeTTRFeedback=true and false),
  // and continues with the lastEvaluatedKey of the previous answer.
  var FB_NOTE = DE ? ['Nachricht von Amazon:', ' „Dieser Artikel wurde von Amazon versandt und wir übernehmen die Verantwortung für dieses Versanderlebnis.“']
    : ['Message from Amazon:', ' "This item was fulfilled by Amazon and we take responsibility for this fulfillment experience."'];
  var fbKeys = { 1: '' };

  function fetchFeedbackPage(page) {
    function one(excludeTTR) {
      var q = new URLSearchParams();
      Object.keys(cfg.params).forEach(function (k) { q.set(k, String(cfg.params[k])); });
      q.set(cfg.paging.pageParam, String(cfg.paging.start + page - 1));
      q.set(cfg.paging.sizeParam, String(cfg.pageSize));
      q.set('excludeTTRFeedback', String(excludeTTR));
      q.set('lastEvaluatedKey', fbKeys[page] || '');
      return fetchJson(cfg.endpoint + '?' + q.toString(), {});
    }
    return Promise.all([one(true), one(false)]).then(function (answers) {
      var body = answers[0].body;
      if (body.lastEvaluatedKey) fbKeys[page + 1] = body.lastEvaluatedKey;
      return { rows: body.feedbacks || [], total: answers[0].header, body: body, more: !!body.lastEvaluatedKey };
    });
  }

  function fbRow(f) {
    var struck = f.suppressed === true;
    var note = /^AmazonFault\w*FBA/.test(f.suppressReasonId || '');
    var words = present(f.feedbackText) ? h('div', { className: 'fb-comment' },
      struck ? h('span', { className: 'fb-struck', text: f.feedbackText }) : f.feedbackText) : null;
    return h('kat-table-row', { id: 'feedback-details' },
      h('kat-table-cell', { className: 'col_order_date', text: or(fmtDate(f.feedbackDate, true)) }),
      h('kat-table-cell', { className: 'col_feedback_rating' }, h('kat-star-rating', { value: f.numericRating, readonly: true })),
      h('kat-table-cell', { className: 'col_order_id' }, h('kat-link', { label: f.orderId })),
      h('kat-table-cell', {}, words || (note ? null : DASH),
        note ? h('div', { className: 'fb-amazon-message' }, h('b', { text: FB_NOTE[0] }), FB_NOTE[1]) : null,
        present(f.responseText) ? h('div', { className: 'fb-response' },
          h('b', { text: DE ? 'Ihre öffentliche Antwort:' : 'Your public reply:' }), ' ', h('span', { text: f.responseText })) : null),
      h('kat-table-cell', { className: 'col_actions' }, writeButton('contact-customer', f.orderId),
        present(f.responseText) ? null : [' ', writeButton('reply', f.orderId)], ' ', writeButton('request-removal', f.orderId)));
  }

  function fbList(data) {
    var rows = data.rows.map(fbRow);
    if (rows.length) {
      // Amazon renders hidden copies of rows; this one is hidden by a class in demo.css, as a live page does.
      var copy = rows[0].cloneNode(true);
      copy.classList.add('fb-shadow-compare');
      rows.splice(1, 0, copy);
    }
    var parts = [h('feedback-list', {}, h('kat-table', {},
      h('kat-table-head', {}, h('kat-table-row', { className: 'fb-detail-table-header' },
        [['col_order_date', DE ? 'Datum' : 'Date'], ['col_feedback_rating', DE ? 'Bewertung' : 'Rating'],
          ['col_order_id', DE ? 'Bestellnummer' : 'Order ID'], ['col_comments', DE ? 'Kommentare' : 'Comments'],
          ['col_actions', DE ? 'Aktionen' : 'Actions']].map(function (c) { return h('kat-table-cell', { className: c[0], text: c[1] }); }))),
      h('kat-table-body', {}, rows)))];
    if (!data.rows.length) {
      parts.push(h('kat-alert', { 'data-testid': 'fbm-no-feedback', variant: 'info', header: DE ? 'Kein Feedback vorhanden' : 'No feedback yet',
        description: DE ? 'Für den ausgewählten Zeitraum haben Käufer noch kein Feedback abgegeben.' : 'Buyers have not left feedback for the selected period.' }));
    }
    return parts;
  }

  function fbPager(page, more) {
    function control(which, label, usable) {
      return h('kat-link', { className: 'pagination-nav pagination-nav-' + which + (usable ? '' : ' pagination-nav-disabled'),
        'data-nav': which, label: label });
    }
    return h('div', { className: 'fbm-pagination' }, control('previous', '< ' + T.prev, page > 1), ' ', control('next', T.next + ' >', more));
  }

  function aggregatedTotal(aggregates) {
    var lifetime = get(aggregates || {}, 'durationResponseMap.LIFETIME');
    if (!lifetime) return null;
    return [1, 2, 3, 4, 5].reduce(function (sum, n) { return sum + (lifetime['rating' + n] || 0); }, 0);
  }

  // The star counts come from their own call (cfg.counters), which the list does not wait for: the total shows
  // when it arrives, as on a page whose parts load independently.
  render.feedback = function (data, page, summary, counts) {
    var total = h('p', { className: 'fbm-total-ratings' });
    if (counts) {
      counts.then(function (aggregates) {
        var counted = aggregatedTotal(aggregates);
        if (counted !== null) total.textContent = (DE ? 'Bewertungen insgesamt: ' : 'Total ratings: ') + fmtNumber(counted);
      });
    }
    var state = { page: 1, busy: false };
    var tab = h('kat-tab', { 'tab-id': 'all', className: 'tab-selected' }, fbList(data));
    var pager = fbPager(1, data.more);
    var content = h('div', { className: 'fbm-content katal' },
      h('feedback-summary', {}, h('h2', { text: DE ? 'Feedback-Bewertung' : 'Feedback Rating' }), total),
      h('h3', { className: 'fbm-recent-heading', text: DE ? 'Aktuelles Feedback' : 'Recent Feedback' }),
      h('div', { className: 'filter-tabs' }, h('kat-tabs', { selected: 'all' },
        h('kat-tab-header', { 'tab-id': 'all', className: 'tab-selected', text: T.all }), tab)),
      pager);
    content.addEventListener('click', function (event) {
      var control = event.target.closest('[data-nav]');
      if (!control || control.classList.contains('pagination-nav-disabled') || state.busy) return;
      var target = control.getAttribute('data-nav') === 'next' ? state.page + 1 : state.page - 1;
      state.busy = true;
      // Take the old rows away before fetching, so nobody reads them as the new page.
      tab.replaceChildren(spinner());
      fetchFeedbackPage(target).then(function (next) {
        state.page = target;
        tab.replaceChildren.apply(tab, fbList(next));
        pager.replaceWith(pager = fbPager(target, next.more));
        injectFault(tab);
      }, function () {
        tab.replaceChildren(failure());
      }).then(function () { state.busy = false; });
    });
    return [h('div', { className: 'fbm-root' }, h('my-app', {}, h('home', {}, content)))];
  };

  // --- start ---------------------------------------------------------------------------------------------

  function spinner() {
    return h('div', { className: 'demo-loading' }, h('kat-spinner', { size: 'large' }), ' ' + T.loading);
  }

  function failure() {
    return h('kat-alert', { className: 'demo-error', variant: 'danger', header: T.failed });
  }

  // Faults the tests switch on (DemoOptions.faults) to prove that a changed page is reported, not hidden.
  function injectFault(app) {
    var rows = app.querySelectorAll('kat-table-body kat-table-row');
    if (cfg.fault === 'markup_changed') {
      rows.forEach(function (row) {
        var renamed = document.createElement('kat-data-row');
        // Only the element's name changes: its attributes stay, so hidden copies stay hidden.
        Array.prototype.forEach.call(row.attributes, function (a) { renamed.setAttribute(a.name, a.value); });
        renamed.innerHTML = row.innerHTML;
        row.replaceWith(renamed);
      });
    } else if (cfg.fault === 'leading_column') {
      app.querySelectorAll('kat-table-row').forEach(function (row) {
        row.insertBefore(h('kat-table-cell', { className: 'row-select' }, h('input', { type: 'checkbox', 'aria-label': 'Select' })),
          row.firstElementChild);
      });
    } else if (cfg.fault === 'classes_renamed') {
      // CSS modules: every class inside the table cells gets the build's hash (the rows keep theirs).
      app.querySelectorAll('kat-table-row > kat-table-cell, kat-table-row > kat-table-cell *').forEach(function (el) {
        if (el.classList.length) el.className = Array.prototype.map.call(el.classList, function (c) { return c + '_x7hq2'; }).join(' ');
      });
    } else if (cfg.fault === 'pager_renamed') {
      // A release renames the pager's class: its links still work for a person, the spec's next_page misses.
      app.querySelectorAll('nav[aria-label="Pagination"]').forEach(function (nav) { nav.className += '_x7hq2'; });
    } else if (cfg.fault === 'extra_dom_row' && rows.length) {
      var clone = rows[rows.length - 1].cloneNode(true);
      var link = clone.querySelector('[href]');
      var attr = link ? 'href' : 'label';
      link = link || clone.querySelector('kat-link[label]');
      // A different last digit gives a record key that the JSON does not have.
      link.setAttribute(attr, link.getAttribute(attr).replace(/(\d)(\D*)$/, function (m, d, rest) {
        return String((Number(d) + 1) % 10) + rest;
      }));
      rows[rows.length - 1].parentNode.appendChild(clone);
    }
  }

  function start() {
    defineKatal();
    var app = document.getElementById('demo-app');
    var heading = app.querySelector('.demo-title');
    var page = currentPage();
    var requests = [cfg.section === 'regulatory_compliance' ? fetchViolations(0, '')
      : cfg.section === 'feedback' ? fetchFeedbackPage(page) : fetchPage(page)];
    if (cfg.summary) {
      requests.push(fetchJson(cfg.summary, {}).then(function (r) { return r.body; }));
    }
    // Feedback Manager's star counts per period (seen, S1 sec-22), fired with the list but not waited for; a
    // failed call leaves them out, as a page whose counters did not load still shows its list.
    var counts = cfg.counters ? fetchJson(cfg.counters, {}).then(function (r) { return r.body; }, function () { return null; }) : null;
    Promise.all(requests).then(function (results) {
      var nodes = render[cfg.section](results[0], page, results[1], counts);
      app.replaceChildren.apply(app, [heading].concat(nodes));
      injectFault(app);
    }).catch(function (error) {
      app.replaceChildren(heading, failure());
      if (window.console) console.error(error);
    });

    document.addEventListener('click', function (event) {
      var button = event.target.closest && event.target.closest('[data-write-action]');
      if (!button) return;
      // On the real site these change the account; here the server only records that someone clicked.
      fetch('/demo-write/' + encodeURIComponent(button.getAttribute('data-write-action')), {
        method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ section: cfg.section, id: button.getAttribute('data-row-id') })
      }).then(function () {
        var note = h('kat-alert', { className: 'demo-toast', variant: 'info', description: T.writeDone });
        document.body.appendChild(note);
        setTimeout(function () { note.remove(); }, 4000);
      });
    });
  }

  start();
})();
