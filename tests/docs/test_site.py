"""The built user guide shows the example DAGs' real code and browses from disk."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.docs.building import ROOT

# Each how-to page and the example DAGs it includes, as a reader finds them.
EXAMPLES = {
    "howto/create-task.html": ["maestro_create_and_wait.py", "maestro_mapped.py"],
    "howto/cancel-task.html": ["maestro_cancel.py"],
    "howto/restart-task.html": ["maestro_restart.py"],
    "howto/upload-artifact.html": ["maestro_upload_then_run.py"],
    "howto/sensor.html": ["maestro_sensor.py"],
    "howto/bot-output.html": ["maestro_bot_output.py"],
    "howto/datapools.html": ["maestro_datapool.py"],
}
# What a reader of the datapool how-to must find there: each section, by its heading, and the words that
# carry its promise (the item key's shape, what a retry costs, why pending items are canceled).
DATAPOOL_SECTIONS = {
    "Where the items come from": ["JSON Lines", "CSV", "ObjectStoragePath", "s3://"],
    "key_field: the name of each item": ["key_field"],
    "Each item once": [
        '"<dag_id>/<run_id>/<task_id>/<map_index>#<key>"',
        "TEXT",
        "ceil(items in the pool / 500)",
    ],
    "Waiting for the bots": [
        "one summary request per pool per poll cycle",
        "listed only when items finished",
    ],
    "What the task returns: entry_ids, outcomes, failed_items": [
        "entry_ids",
        "outcomes",
        "failed_items",
        ".expand()",
    ],
    "max_error_ratio": ["max_error_ratio"],
    "When Airflow gives up: kills and timeouts": [
        "CANCELED",
        "cancel rather than delete",
        "canceled by Airflow: the timeout passed",
    ],
    "start_consumer: starting a bot": ["start_consumer"],
    "Waiting for a pool: the sensor": ["MaestroDatapoolSensor", "reschedule", "deferrable=True"],
    "Running the example offline": ["set_consumer", "error_ratio"],
}


class _Page(HTMLParser):
    """Collects a page's text, the text of its code blocks and every address it links to or loads."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.code: list[str] = []
        self.addresses: list[str] = []
        self.headings: list[str] = []
        self._pre_depth = 0
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "pre":
            self._pre_depth += 1
        if tag in ("h2", "h3"):
            self._heading = []
        self.addresses += [value for name, value in attrs if name in ("href", "src") and value]

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre" and self._pre_depth:
            self._pre_depth -= 1
            self.code.append("\n")
        if tag in ("h2", "h3") and self._heading is not None:
            # The permalink's own text (a pilcrow) is not part of the title.
            self.headings.append("".join(self._heading).replace("\u00b6", "").strip())
            self._heading = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._heading is not None:
            self._heading.append(data)
        if self._pre_depth:
            self.code.append(data)


def _read(page: Path) -> _Page:
    parser = _Page()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize(
    ("page", "dag_file"), [(page, dag) for page, dags in EXAMPLES.items() for dag in dags]
)
def test_howto_page_shows_the_example_dag_code(site: Path, page: str, dag_file: str) -> None:
    code = "".join(_read(site / page).code)
    source = (ROOT / "dags_examples" / dag_file).read_text(encoding="utf-8")
    dag_id = Path(dag_file).stem
    assert f'dag_id="{dag_id}"' in source, "the example names its DAG as this test expects"
    assert f'dag_id="{dag_id}"' in code, f"{page} does not show the code of {dag_file}"
    missing = [line for line in source.splitlines() if line.strip() and line not in code]
    assert not missing, f"{page} lacks these lines of {dag_file}: {missing[:5]}"


@pytest.mark.parametrize("script", sorted(p.name for p in (ROOT / "examples" / "client").glob("*.py")))
def test_the_client_page_shows_each_example_script(site: Path, script: str) -> None:
    code = "".join(_read(site / "client.html").code)
    source = (ROOT / "examples" / "client" / script).read_text(encoding="utf-8")
    missing = [line for line in source.splitlines() if line.strip() and line not in code]
    assert not missing, f"client.html lacks these lines of {script}: {missing[:5]}"


def test_the_client_reference_shows_an_example_for_every_namespace(site: Path) -> None:
    from botcity_provider.client._resources import NAMESPACES

    code = "".join(_read(site / "reference" / "client.html").code)
    missing = [name for name in NAMESPACES if f"maestro.{name}." not in code]
    assert not missing, f"reference/client.html has no example of: {missing}"


def test_no_page_shows_a_snippet_marker_as_text(site: Path) -> None:
    # Dashes, 8, "<" and dashes, spaced or not: how an include that was not recognised reads on the page.
    marker = re.compile(r"-\s*8\s*<\s*-")
    shown = [
        str(page.relative_to(site))
        for page in site.rglob("*.html")
        if marker.search("".join(_read(page).text))
    ]
    assert not shown


def _is_internal(address: str) -> bool:
    parts = urlsplit(address)
    return not (parts.scheme or parts.netloc) and bool(parts.path)


def test_every_internal_link_opens_a_file_from_disk(site: Path) -> None:
    # From disk a link to a folder shows a folder listing instead of its page, so each must name a file.
    broken = []
    # The server's answer to a missing URL at any depth, hence links from the site's root: never opened
    # from disk.
    pages = [page for page in sorted(site.rglob("*.html")) if page != site / "404.html"]
    for page in pages:
        for address in filter(_is_internal, _read(page).addresses):
            target = (page.parent / unquote(urlsplit(address).path)).resolve()
            if not target.is_file() or not target.is_relative_to(site.resolve()):
                broken.append(f"{page.relative_to(site)} -> {address}")
    assert not broken, "\n".join(broken[:20])


def test_the_home_page_links_to_every_howto(site: Path) -> None:
    # The link check above is only as good as the links it saw: the home page must reach the how-tos.
    addresses = {urlsplit(a).path for a in _read(site / "index.html").addresses}
    assert set(EXAMPLES) <= addresses


def test_the_datapool_howto_has_each_section_and_what_it_promises(site: Path) -> None:
    page = _read(site / "howto" / "datapools.html")
    missing_sections = [title for title in DATAPOOL_SECTIONS if title not in page.headings]
    assert not missing_sections, f"howto/datapools.html lacks {missing_sections}; it has {page.headings}"
    text = " ".join("".join(page.text).split())
    missing = [words for wanted in DATAPOOL_SECTIONS.values() for words in wanted if words not in text]
    assert not missing, f"howto/datapools.html does not say {missing}"


def test_the_reference_documents_the_datapool_operator_and_sensor(site: Path) -> None:
    # Each class by its heading, and one of its own parameters, so an empty entry does not pass.
    shown = {
        "reference/operators.html": ("MaestroDatapoolPushOperator", "max_error_ratio"),
        "reference/sensor.html": ("MaestroDatapoolSensor", "entry_ids"),
    }
    for page, (name, parameter) in shown.items():
        parsed = _read(site / page)
        assert name in parsed.headings, f"{page} has no entry for {name}: {parsed.headings}"
        assert parameter in "".join(parsed.text), f"{page} does not document {name}'s {parameter}"
