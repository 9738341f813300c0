"""phonenumbers without its geocoder, carrier and time-zone tables (40 MB of the 48).

Replaces the community hook, which collects every submodule: the anonymiser only finds phone
numbers (PhoneNumberMatcher with the region metadata in ``phonenumbers.data``), it never
names the place, carrier or time zone of one.
"""

from PyInstaller.utils.hooks import collect_submodules

_LEFT_OUT = ("phonenumbers.geodata", "phonenumbers.carrierdata", "phonenumbers.tzdata")

hiddenimports = collect_submodules(
    "phonenumbers", filter=lambda name: not name.startswith(_LEFT_OUT)
)
