"""``scraper doctor``: when Seller Central changes, find where the data moved and propose the fix.

Most sections give the truth twice: the JSON the page fetched and the rows the page shows. Where one side
still reads, it teaches where the other moved. The package diagnoses a capture (what the page showed and
fetched, what each selector and JSON path of the spec matched), proposes changes to ``selectors.yaml``,
checks every proposal by loading the patched file strictly and reading the capture again, and prints a
unified diff; nothing is applied silently.

Modules, one job each: :mod:`.model` (what a finding and a change are), :mod:`.calls` (the JSON calls of a
capture), :mod:`.survey` (what every selector and path matched), :mod:`.finder` (which visible elements hold
a known value), :mod:`.generalise` (selectors that pick the same element in every row), :mod:`.dom_fix`
(page selectors from the JSON's records), :mod:`.json_fix` (endpoint and JSON paths from the page's records),
:mod:`.trial` (changes applied to a loaded spec in memory), :mod:`.patch` (the text patch and diff of
selectors.yaml), :mod:`.check` (the strict re-read), :mod:`.examine` (one capture, start to end),
:mod:`.show` (terminal output), :mod:`.live` (a live walk that keeps every JSON call).
"""
