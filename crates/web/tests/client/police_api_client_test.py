"""Drives peel with a real police.uk client library from a package registry
(police-api-client, the client built to power police.uk), pointed at peel by
base URL only. Run by crates/web/tests/python_client.rs with PEEL_BASE_URL set.
"""
import os
import sys
import unittest

from police_api import PoliceAPI


class PoliceApiClientAgainstPeel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.api = PoliceAPI(base_url=os.environ["PEEL_BASE_URL"], timeout=30)

    def test_forces(self):
        forces = {f.id: f.name for f in self.api.get_forces()}
        self.assertEqual(len(forces), 44)
        self.assertEqual(forces["city-of-london"], "City of London Police")
        self.assertNotIn("btp", forces)
        force = self.api.get_force("city-of-london")
        self.assertEqual(force.name, "City of London Police")
        self.assertEqual(len(force.senior_officers), 1)

    def test_neighbourhoods(self):
        hoods = self.api.get_neighbourhoods("city-of-london")
        self.assertEqual(sorted(n.id for n in hoods), ["ban", "bar", "fen", "fle", "liv", "mon"])
        bank = self.api.get_neighbourhood("city-of-london", "ban")
        self.assertEqual(bank.name, "Bank")
        self.assertEqual(bank.contact_details["telephone"], "101")
        self.assertGreater(len(bank.boundary), 10)
        self.assertGreaterEqual(len(bank.officers), 3)
        self.assertEqual(len(bank.priorities), 2)
        self.assertGreaterEqual(len(bank.events), 1)

    def test_locate_neighbourhood(self):
        n = self.api.locate_neighbourhood(51.5152, -0.0924)
        self.assertIsNotNone(n)
        self.assertEqual(n.force.id, "city-of-london")
        self.assertIsNone(self.api.locate_neighbourhood(48.8566, 2.3522), "Paris is outside coverage")

    def test_dates_and_categories(self):
        self.assertEqual(self.api.get_latest_date(), "2025-12")
        categories = {c.id for c in self.api.get_crime_categories()}
        # The client keeps the 14 categories and drops the all-crime alias peel serves.
        self.assertEqual(len(categories), 14)
        self.assertIn("anti-social-behaviour", categories)

    def test_crimes_by_area_point_and_location(self):
        bank = self.api.get_neighbourhood("city-of-london", "ban")
        in_area = self.api.get_crimes_area(bank.boundary, date="2025-12")
        self.assertGreater(len(in_area), 50)
        crime = next(c for c in in_area if c.category.id != "anti-social-behaviour" and c.persistent_id)
        self.assertEqual(crime.month, "2025-12")
        self.assertTrue(crime.location.name.startswith("On or near"))
        at_point = self.api.get_crimes_point(51.5136, -0.0922, date="2025-12")
        self.assertGreaterEqual(len(at_point), len(in_area))
        at_location = self.api.get_crimes_location(crime.location.id, date="2025-12")
        self.assertIn(crime.id, [c.id for c in at_location])
        burglaries = self.api.get_crimes_area(bank.boundary, date="2025-12", category="burglary")
        self.assertTrue(all(c.category.id == "burglary" for c in burglaries))

    def test_outcomes_of_a_crime(self):
        crime = self.api.get_crime("87285a8be04d2f9c2baf5a0319a6d492be8b66ac97a03efe06787ed29b89c896")
        self.assertEqual(crime.category.id, "burglary")
        outcomes = [o.category.name for o in crime.outcomes]
        self.assertEqual(outcomes, ["Investigation complete; no suspect identified", "Unable to prosecute suspect"])

    def test_no_location(self):
        from police_api import NoLocationCrime
        crimes = self.api.get_crimes_no_location("city-of-london", date="2024-03", category="all-crime")
        self.assertGreater(len(crimes), 0)
        self.assertTrue(all(isinstance(c, NoLocationCrime) for c in crimes))


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    run, failed = result.testsRun, len(result.failures) + len(result.errors)
    sys.exit(0 if failed == 0 and run > 0 else 1)
