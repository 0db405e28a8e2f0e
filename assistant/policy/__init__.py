"""From logged cases back to policy: the uitvoeringstoets of a draft rule (toets.py), the yearly
staat van de uitvoering with its vereenvoudigingsagenda (staat.py) and the one-overheid export of
national knelpunten (signalen.py). document.py renders all three in the formats of the
knelpuntenrapportage; assistant/cli/policy.py holds their commands.

Everything here reads the case log and the corpus; nothing here writes to either. A draft rule
is a file outside the corpus folder: it is never indexed and never used for answers.
"""
