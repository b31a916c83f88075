#!/usr/bin/env python3
"""Writes testdata/shield/a2p_ham.txt: legitimate application-to-person texts (reminders,
one-time codes, delivery and booking notices, IT and HR messages that link to genuine domains).

Why: the two public datasets are person-to-person ham vs spam; they hold almost no legitimate
business texts, so a model trained on them alone flags "Reply C to confirm" reminders and OTPs.
These texts are written for this project (no third-party text), generated from templates with a
fixed seed so the file is reproducible. They are used as extra *ham for training only*: never in
a test fold, and distinct from the cases in crates/filter/tests/corpus/.
"""
import random
import sys

rng = random.Random(20261129)

names = ["Anna", "Marco", "Sofia", "James", "Priya", "Lucas", "Emma", "Noah", "Giulia", "Omar",
         "Hannah", "Diego", "Mei", "Tom", "Fatima", "Luca", "Chloe", "Ivan", "Sara", "Ben"]
businesses = ["Salon Bella", "Dr. Rossi's office", "Bright Smile Dental", "City Physio", "Glow Spa",
              "Main St Barbers", "PetCare Vets", "Sunrise Yoga", "Green Garage", "Kids Dental Club",
              "Harbor Clinic", "Studio 9 Hair", "FitLab Gym", "Oak Tree Pharmacy", "Bella Nails"]
brands = ["Acme", "Northwind", "Contoso", "Globex", "Initech", "Umbrella Health", "Stark Bank",
          "Wayne Telecom", "Hooli", "Vandelay", "Pied Piper", "Soylent", "Tyrell", "Cyberdyne"]
domains = ["acme.com", "northwind.io", "contoso.com", "globex.net", "initech.com", "hooli.com",
           "vandelay.co.uk", "piedpiper.com", "soylent.org", "tyrell.eu"]
days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "tomorrow", "today"]
times = ["9:00", "9:30", "10:15", "11:00", "12:30", "14:00", "15:45", "16:30", "17:00", "18:15"]
services = ["haircut", "cleaning", "check-up", "massage", "physio session", "MOT", "vaccination",
            "yoga class", "consultation", "colour appointment"]

def code():
    return str(rng.randint(100000, 999999)) if rng.random() < 0.8 else str(rng.randint(1000, 9999))

def link(d):
    return rng.choice([f"https://{d}", f"https://www.{d}/account", f"https://{d}/b/{rng.randint(100, 99999)}",
                       f"{d}/manage"])

templates = [
    lambda: f"Reminder: your {rng.choice(services)} at {rng.choice(businesses)} is {rng.choice(days)} at {rng.choice(times)}. Reply C to confirm or X to cancel.",
    lambda: f"Hi {rng.choice(names)}, this is {rng.choice(businesses)} confirming your appointment on {rng.choice(days)} at {rng.choice(times)}. Reply YES to confirm or call us to reschedule.",
    lambda: f"{rng.choice(businesses)}: see you {rng.choice(days)} at {rng.choice(times)} for your {rng.choice(services)}. Need to change? Reply R. Reply STOP to opt out.",
    lambda: f"Your appointment with {rng.choice(names)} is confirmed for {rng.choice(days)} {rng.choice(times)}. Manage it at {link(rng.choice(domains))}",
    lambda: f"Thanks {rng.choice(names)}! Your booking #{rng.randint(1000, 99999)} is confirmed. Reply C to confirm, X to cancel.",
    lambda: f"{code()} is your {rng.choice(brands)} verification code. It expires in 10 minutes. Do not share it.",
    lambda: f"Your {rng.choice(brands)} security code is {code()}. If you did not request it, ignore this message.",
    lambda: f"{rng.choice(brands)}: your login code is {code()}. Never share this code, we will never ask for it.",
    lambda: f"Use {code()} to verify your phone number for {rng.choice(brands)}.",
    lambda: f"Your {rng.choice(brands)} order #{rng.randint(10000, 999999)} has shipped and arrives {rng.choice(days)}. Track it at {link(rng.choice(domains))}",
    lambda: f"Your parcel from {rng.choice(brands)} was delivered at {rng.choice(times)}. Thanks for shopping with us.",
    lambda: f"Your package is out for delivery {rng.choice(days)} between {rng.choice(times)} and {rng.choice(times)}.",
    lambda: f"{rng.choice(brands)} IT: scheduled maintenance {rng.choice(days)} from {rng.choice(times)}. Email may be unavailable for an hour. Details on the intranet.",
    lambda: f"{rng.choice(brands)} HR: the team lunch is on {rng.choice(days)} at {rng.choice(times)}. Please reply with any dietary needs.",
    lambda: f"Your table for {rng.randint(2, 8)} at {rng.choice(['Luigi', 'Chez Marie', 'The Oak', 'Sakura', 'El Toro'])}'s is booked for {rng.choice(days)} at {rng.choice(times)}. Reply CANCEL to cancel.",
    lambda: f"Payment of ${rng.randint(10, 400)}.{rng.randint(10, 99)} received by {rng.choice(businesses)}. Thank you! Receipt: {link(rng.choice(domains))}",
    lambda: f"Your prescription is ready for collection at {rng.choice(businesses)}. Open until {rng.choice(times)} {rng.choice(days)}.",
    lambda: f"Class update: {rng.choice(services)} on {rng.choice(days)} moves to {rng.choice(times)}. See you there!",
    lambda: f"{rng.choice(brands)}: your new password was set successfully. If this wasn't you, contact the help desk on extension {rng.randint(100, 999)}.",
    lambda: f"Hi {rng.choice(names)}, your {rng.choice(['car', 'bike', 'laptop', 'phone'])} repair is done. Pick it up any time before {rng.choice(times)}.",
]

lines = set()
while len(lines) < 600:
    lines.add(rng.choice(templates)())
out = sorted(lines)
path = sys.argv[1] if len(sys.argv) > 1 else "testdata/shield/a2p_ham.txt"
with open(path, "w", encoding="utf-8") as f:
    f.write("\n".join(out) + "\n")
print(f"wrote {len(out)} texts to {path}")
