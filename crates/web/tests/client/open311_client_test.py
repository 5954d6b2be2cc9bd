"""A real Open311 GeoReport v2 client library from the Python package
registry (`georeport`) reads a running peel by base URL, in JSON and in XML.

`georeport` reads only (it does not create requests), so reports are posted
with `requests` exactly as the GeoReport v2 specification describes: a form
with `api_key` to `requests.json` / `requests.xml`. The Rust test that runs
this script passes the base URL and an API key in PEEL_OPEN311_URL and
PEEL_API_KEY.
"""

import os
import unittest

import requests
from georeport import GeoReport

BASE = os.environ["PEEL_OPEN311_URL"]
KEY = os.environ["PEEL_API_KEY"]
PERSONAL = ["Jane", "Smith", "jane@example.org", "shouting", "photos.example.org"]


def post(fmt, **fields):
    data = {
        "api_key": KEY,
        "service_code": "asb-nuisance",
        "lat": "51.5154",
        "long": "-0.0922",
        "first_name": "Jane",
        "last_name": "Smith",
        "email": "jane@example.org",
        "description": "A group shouting outside every night after midnight",
        "attribute[hate_related]": "no",
        # Kept for staff, never in a public answer.
        "media_url": "https://photos.example.org/shouting.jpg",
    }
    data.update(fields)
    return requests.post(f"{BASE}/requests.{fmt}", data=data, timeout=30)


class Open311ClientTest(unittest.TestCase):
    def test_services_json_and_xml(self):
        for fmt in ("json", "xml"):
            client = GeoReport(BASE, output_format=fmt)
            services = client.get_service_list()
            codes = [s["service_code"] for s in services]
            self.assertEqual(codes, ["asb-personal", "asb-nuisance", "asb-environmental"], fmt)
            definition = client.get_service_definition("asb-personal")
            self.assertEqual(definition["service_code"], "asb-personal", fmt)

    def test_submit_then_follow_json(self):
        answer = post("json")
        self.assertEqual(answer.status_code, 200, answer.text)
        request_id = answer.json()[0]["service_request_id"]
        token = answer.json()[0]["token"]
        client = GeoReport(BASE)
        one = client.get_service_request(request_id)
        self.assertEqual(one["service_request_id"], request_id)
        self.assertEqual(one["status"], "open")
        self.assertEqual(one["service_code"], "asb-nuisance")
        listed = client.get_service_requests(service_code="asb-nuisance", status="open")
        self.assertIn(request_id, [r["service_request_id"] for r in listed])
        by_token = requests.get(f"{BASE}/tokens/{token}.json", timeout=30).json()
        self.assertEqual(by_token[0]["service_request_id"], request_id)
        for word in PERSONAL:
            self.assertNotIn(word, str(one) + str(listed))

    def test_submit_then_follow_xml(self):
        answer = post("xml", service_code="asb-environmental")
        self.assertEqual(answer.status_code, 200, answer.text)
        self.assertIn("<service_request_id>", answer.text)
        request_id = answer.text.split("<service_request_id>")[1].split("<")[0]
        client = GeoReport(BASE, output_format="xml")
        one = client.get_service_request(request_id)
        self.assertEqual(one["service_request_id"], request_id)
        self.assertEqual(one["service_code"], "asb-environmental")
        for word in PERSONAL:
            self.assertNotIn(word, str(one))

    def test_bad_requests_are_refused_with_open311_errors(self):
        answer = post("json", service_code="potholes", lat="", long="")
        self.assertEqual(answer.status_code, 400)
        descriptions = " ".join(e["description"] for e in answer.json())
        self.assertIn("service_code", descriptions)
        self.assertIn("address_string", descriptions)
        answer = post("json", api_key="not-a-key")
        self.assertEqual(answer.status_code, 403)
        with self.assertRaises(requests.HTTPError):
            GeoReport(BASE).get_service_request("99999999")


if __name__ == "__main__":
    unittest.main(verbosity=2)
