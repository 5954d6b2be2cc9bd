"""Writes city-of-london-illustrative.csv: MADE-UP survey responses for the
peel demo (see README.md). Deterministic: the same file every run."""
import csv
import random

rng = random.Random(2010)
SOURCE = "ILLUSTRATIVE: made-up responses for the peel demo, not a survey"
HOODS = ["ban", "bar", "fen", "fle", "liv", "mon", ""]
AGREE = ["strongly-agree", "tend-to-agree", "neither", "tend-to-disagree", "strongly-disagree"]
JOB = ["excellent", "good", "fair", "poor", "very-poor"]
# Share positive in 2024 and 2025: the single confidence measure rises
# clearly, the others barely.
SHARE = {"single-confidence": (0.46, 0.62), "good-job": (0.50, 0.53), "local-confidence": (0.70, 0.72)}


def answer(scale, positive):
    return rng.choice(scale[:2]) if positive else rng.choice(scale[2:])


with open("city-of-london-illustrative.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["force", "bcu", "neighbourhood", "month", "measure", "response", "weight", "source"])
    for year in (2024, 2025):
        for month in range(1, 13):
            for _ in range(16):
                bcu = "" if rng.random() < 0.1 else "city"
                hood = rng.choice(HOODS)
                weight = round(rng.uniform(0.4, 2.5), 2)
                for measure, (a, b) in SHARE.items():
                    share = a if year == 2024 else b
                    scale = JOB if measure == "good-job" else AGREE
                    w.writerow(["city-of-london", bcu, hood, f"{year}-{month:02d}", measure,
                                answer(scale, rng.random() < share), f"{weight:.2f}", SOURCE])
