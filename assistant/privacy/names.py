"""Name lists: the deduce lists shipped in assistant/data/deduce (first names, surnames, common
words) with a small built-in fallback, and the deduce model when it is installed."""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from importlib import resources


from assistant.privacy.patterns import (
    ROLES,
    TITLES,
)


def norm_key(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


@functools.lru_cache(maxsize=1)
def builtin_first_names() -> frozenset[str]:
    # Fallback lexicon when deduce is absent: frequent first names in the Netherlands
    # (all generations, incl. Moroccan, Turkish, Surinamese, Polish, Syrian and Eritrean origin).
    names = """
    Aaliyah Aaron Abdel Abdelkader Abdelkarim Abdellah Abdul Abdullah Abdullahi Adam Adil Adnan Ahmad
    Ahmed Aisha Ayse Ayşe Akif Alexander Ali Alice Alicia Amal Amina Amir Amira Amy Ana Andrea Andries
    Angela Anita Anja Anke Ann Anna Anne Anneke Annemarie Annemieke Annie Anouk Anton Ard Arie Arjan
    Arjen Arno Astrid Aylin Ayoub Bart Bas Bastiaan Bayram Beatrix Ben Bernard Bert Bilal Bram Brenda
    Bryan Burak Carla Carolien Caroline Cas Casper Cees Chantal Charlotte Chris Christiaan Christian
    Claudia Cor Corry Daan Dani Daniel Daniëlle Danny David Dennis Desiree Dewi Dick Diana Dick Dirk
    Dylan Eddy Edwin Eline Elif Elisabeth Ella Emine Emma Emre Erik Esra Esther Eva Evelien Ewa Fatima
    Fatma Femke Finn Fleur Floor Frank Frans Freek Gerard Gerda Gerrit Gert Gijs Guus Hamza Hans Hanna
    Hannah Harm Hasan Hassan Hatice Hein Hendrik Henk Henny Herman Hiba Hilde Houda Hüseyin Ibrahim
    Ilse Imane Ineke Inge Ingrid Irene Iris Isa Isabel Ismail Ivo Jaap Jacob Jacqueline Jan Jan-Willem
    Jana Janneke Jasper Jayden Jeroen Jesse Jessica Joke Joost Jordy Joris Jos José Josef Julia Julian
    Karin Karim Kees Kevin Khadija Klaas Koen Laura Lars Leila Lena Levi Lieke Linda Lisa Liam Lotte
    Lucas Luuk Maarten Malika Manon Marco Marcel Maria Marian Mariam Marieke Marije Marinus Marjan
    Marloes Martijn Martin Mateusz Mehmet Meryem Michael Michiel Mila Milan Mirjam Mo Mohamed Mohammed
    Mohammad Monique Mustafa Naima Nadia Nadir Nick Niels Nienke Noah Noor Nora Nordin Nour Olga Omar
    Otto Patrick Paul Peter Petra Piet Pieter Priscilla Rachid Rachida Ramon Ria Richard Rik Rob Robert
    Robin Roel Ronald Rosa Ruben Rutger Saar Sam Samira Sander Sandra Sara Sarah Sem Senna Sevda Sharon
    Sietse Simone Sofia Sophie Stefan Stijn Suzanne Tamara Tess Teun Thijs Thomas Tim Tom Tomasz Ton
    Tygo Vera Wendy Willem Wim Yara Yasmina Yassin Yusuf Youssef Yvonne Zeynep Zoë
    """
    return frozenset(norm_key(n) for n in names.split())


def _deduce_lookup_dir():
    """deduce's name lists, shipped as package data (assistant/data/deduce/, LGPL-3.0-or-later;
    see the README there): deduce itself cannot be a dependency (it pins regex<2025), and only
    its lists are read. None when the data is missing from the install."""
    root = resources.files("assistant").joinpath("data", "deduce")
    return root if root.joinpath("names", "lst_first_name", "items.txt").is_file() else None


def _read_items(path) -> set[str]:
    if not path.is_file():
        return set()
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


@functools.lru_cache(maxsize=1)
def _deduce_common_words() -> frozenset[str]:
    root = _deduce_lookup_dir()
    if root is None:
        return frozenset()
    words = _read_items(root.joinpath("whitelist", "lst_common_word", "items.txt"))
    words |= _read_items(root.joinpath("whitelist", "lst_stop_word", "items.txt"))
    return frozenset(norm_key(w) for w in words)


@functools.lru_cache(maxsize=2)
def _deduce_names(kind: str) -> frozenset[str] | None:
    """deduce's list of first names (kind 'first_name') or surnames ('surname'), minus its own
    exceptions and minus Dutch words that it also lists as names ("Roos", "Hoop"), which would
    otherwise be replaced whenever they start a sentence."""
    root = _deduce_lookup_dir()
    if root is None:
        return None
    folder = root.joinpath("names", f"lst_{kind}")
    names = _read_items(folder.joinpath("items.txt")) - _read_items(folder.joinpath("exceptions.txt"))
    common = _deduce_common_words()
    return frozenset(
        norm_key(n) for n in names if " " not in n and len(n) > 2 and norm_key(n) not in common
    )


def deduce_first_names() -> frozenset[str] | None:
    return _deduce_names("first_name")


def deduce_surnames() -> frozenset[str] | None:
    return _deduce_names("surname")


@functools.lru_cache(maxsize=1)
def builtin_surnames() -> frozenset[str]:
    # Fallback lexicon: the most frequent surnames in the Netherlands (without tussenvoegsel).
    names = """
    Jansen Jong Vries Berg Dijk Bakker Janssen Visser Smit Meijer Boer Mulder Groot Bos Vos Peters
    Hendriks Leeuwen Dekker Brouwer Wit Dijkstra Smits Graaf Meer Linden Kok Jacobs Haan Vermeulen
    Heuvel Veen Broek Bruijn Bruin Heijden Schouten Beek Willems Vliet Ven Hoekstra Maas Verhoeven
    Koster Dam Wal Prins Blom Huisman Peeters Jonge Kuipers Kuiper Veenstra Kramer Brink Scholten
    Wijk Postma Martens Vink Ruiter Timmermans Groen Gerritsen Jonker Loon Boer Velde Willemsen
    Smeets Lange Bosch Dongen Schipper Koning Laan Velden Driessen Doorn Hermans Evers Meulen Hofman
    Bosman Wolters Sanders Horst Mol Kuijpers Molenaar Pol Leeuw Verbeek Hoek Vermeer Pietersen
    Wouters Lammers Visscher Brouwers Mertens Claassen Verhagen Dijkman Wijnands Bouwman Kaya Demir
    Yilmaz Yılmaz Şahin Sahin Çelik Celik Yildiz Yıldız Öztürk Ozturk Aydin Aydın Arslan Doğan Dogan
    Kılıç Kilic Özdemir Ozdemir Amrani Idrissi Ouali Bouzid Boukhari Haddou Tahiri Benali Ahmadi
    Mohamed Hassan Ali Kowalski Nowak Wiśniewski Lewandowski Kowalczyk Koopman Ruijter Kooistra
    """
    return frozenset(norm_key(n) for n in names.split())


_DEDUCE_LOCK = threading.Lock()
_DEDUCE_MODEL = None


def load_deduce_model():
    global _DEDUCE_MODEL
    with _DEDUCE_LOCK:
        if _DEDUCE_MODEL is None:
            from deduce import Deduce  # imported lazily: ~8 s to load its lookup structures

            _DEDUCE_MODEL = Deduce()
        return _DEDUCE_MODEL


TITLE_PREFIX_RE = re.compile(rf"^(?i:(?:{TITLES}|{ROLES})\b\.?\s*)+")
