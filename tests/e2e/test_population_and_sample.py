"""In Chromium: the authority's contact uploads a population (first a file with problems, then a
good one); the lead inspector works out the sample size, draws the sample, chooses records for
double reading and shares them between two readers. Every page passes axe-core."""

import datetime as dt
import os

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.e2e.helpers import assert_accessible, sign_in
from tests.factories import person
from tests.inspections.factories import assign, make_inspection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR")

HEADER = (
    "Reference,Order date,End date,Status,Requirements,Unpaid work hours,Unpaid work level,"
    "Supervision months,Sex,Age band,Team"
)
REQUIREMENTS = [
    ("Offender supervision", "", "12"),
    ("Unpaid work or other activity", "80", ""),
    ("Offender supervision; Unpaid work or other activity", "150", "18"),
    ("Offender supervision | Alcohol treatment", "", "24"),
]


def shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)


def good_csv(count: int = 60) -> bytes:
    """`count` orders made in the inspection period (1 Nov 2017 to 31 Oct 2019), all in scope."""
    lines = [HEADER]
    for i in range(count):
        requirements, hours, months = REQUIREMENTS[i % len(REQUIREMENTS)]
        order_date = dt.date(2017, 11, 6) + dt.timedelta(days=11 * i)
        completed = i % 3 != 0
        end_date = order_date + dt.timedelta(days=300) if completed else ""
        lines.append(
            ",".join(
                [
                    f"WD-{i + 1:04d}",
                    order_date.strftime("%d/%m/%Y"),
                    end_date.isoformat() if end_date else "",
                    "Completed" if completed else "Current",
                    requirements,
                    hours,
                    "",
                    months,
                    "Female" if i % 4 == 0 else "Male",
                    "26 to 40",
                    "Clydebank" if i % 2 else "Dumbarton",
                ]
            )
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def bad_csv() -> bytes:
    rows = [
        HEADER,
        "WD-0001,08/01/2018,,Current,Offender supervision,,,12,Male,26 to 40,Clydebank",
        # An order date in the future (and so after the inspection period).
        "WD-0002,01/03/2099,,Current,Offender supervision,,,12,Male,26 to 40,Dumbarton",
        # The same reference as row 2.
        "WD-0001,15/06/2018,,Current,Offender supervision,,,12,Female,21 to 25,Clydebank",
    ]
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


def upload(page, name: str, content: bytes) -> None:
    page.get_by_label("Upload the population file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content}
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Upload the population", exact=True).click()


def test_contact_uploads_population_and_lead_draws_sample(page, live_server, reference_data):
    inspection = make_inspection()
    contact = person(Role.AUTHORITY_CONTACT, "west-dunbartonshire", name="Fiona Contact")
    inspector = assign(person(Role.INSPECTOR, name="Iain Inspector"), "inspector", inspection)
    co_reader = assign(
        person(Role.AUTHORITY_CONTACT, "west-dunbartonshire", name="Catriona Co-reader"),
        "local_co_reader",
        inspection,
    )
    inspection_url = f"{live_server.url}/inspections/{inspection.pk}/"

    # (a) The authority's contact uploads the population.
    sign_in(page, live_server, contact)
    page.goto(inspection_url)
    page.get_by_role("link", name="Population of records").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload the population")
    assert_accessible(page)

    upload(page, "population.csv", bad_csv())
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary).to_contain_text("Nothing was imported")
    expect(
        summary.get_by_role("link", name="Row 3, Order date: The order date is in the future")
    ).to_be_visible()
    expect(
        summary.get_by_role("link", name="Row 4, Reference: The reference WD-0001 is also on row 2")
    ).to_be_visible()
    problems = page.get_by_role("table", name="Problems in the file, by row and column")
    expect(problems.get_by_role("row", name="Row 3 Order date")).to_have_count(2)
    expect(problems.get_by_role("row", name="Row 3 Order date").first).to_contain_text(
        "in the future"
    )
    duplicate = problems.get_by_role("row", name="Row 4 Reference")
    expect(duplicate).to_contain_text("The reference WD-0001 is also on row 2")
    assert_accessible(page)
    shot(page, "population_upload_errors")

    upload(page, "population.csv", good_csv(60))
    expect(page.get_by_role("heading", level=1)).to_have_text("Population")
    expect(page.get_by_text("The population has been imported: 60 records.")).to_be_visible()
    expect(page.locator("#population-count")).to_have_text("60 records")
    assert_accessible(page)
    shot(page, "population_detail")

    # (b) The lead inspector works out the size and draws the sample.
    page.context.clear_cookies()
    sign_in(page, live_server, inspection.lead)
    page.goto(inspection_url)
    page.get_by_role("link", name="Sample", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sample of records")
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Calculate").click()
    expect(page.get_by_role("heading", name="The working")).to_be_visible()
    working = page.locator("#working + ul")
    expect(working.get_by_role("listitem").first).to_be_visible()
    expect(working).to_contain_text("Stratified by order type")
    assert_accessible(page)
    shot(page, "sample_calculation")

    with page.expect_navigation():
        page.get_by_role("button", name="Draw the sample").click()
    expect(page.get_by_text("The sample has been drawn")).to_be_visible()
    size = int(page.locator("#sample-size").inner_text().split()[0])
    assert 1 <= size <= 60
    assert_accessible(page)

    page.get_by_label("Share of the sample to read twice (%)").fill("10")
    with page.expect_navigation():
        page.get_by_role("button", name="Choose records for double reading").click()
    double = -(-size // 10)  # 10%, rounded up
    expect(page.get_by_text(f"{double} records will be read twice.")).to_be_visible()

    readers = page.get_by_role("group", name="Who will read the records?")
    readers.get_by_label(inspector.name).check()
    readers.get_by_label(co_reader.name).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Assign readers evenly").click()
    expect(page.get_by_text(f"{size + double} readings have been assigned.")).to_be_visible()

    table = page.get_by_role("table", name="Records in the sample")
    expect(table.get_by_role("row")).to_have_count(size + 1)
    reader_cells = table.locator("tbody tr td:nth-child(5)")
    texts = reader_cells.all_inner_texts()
    # "First reader" or "First reader; second: Second reader": readings are shared evenly.
    names = [name.strip() for text in texts for name in text.replace("second:", "").split(";")]
    assert set(names) == {inspector.name, co_reader.name}
    assert abs(names.count(inspector.name) - names.count(co_reader.name)) <= 1
    expect(table.get_by_text("Double read")).to_have_count(double)
    assert sum("second:" in text for text in texts) == double
    assert_accessible(page)
    shot(page, "sample_detail")
