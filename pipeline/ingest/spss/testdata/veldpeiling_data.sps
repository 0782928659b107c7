* The data set behind the fixtures; included by make_fixtures.sps.

DATA LIST LIST ("|") /id (F4.0) vertrouwen_gemeente (F1.0) toelichting (A200) datum (DATE11) tijdstip (DATETIME20) rol (A8) leeftijd (F3.0).
BEGIN DATA
1|5|Het beleid is ideeën-rijk maar de uitvoering is té traag.|14-OCT-2025|14-OCT-2025 09:30:15|docent|34
2|1|Geen mening; café-overleg hielp niet, zeggen ze.|01-JAN-1583|01-JAN-1583 00:00:00|nvt|-1
3|9| |29-FEB-2024|29-FEB-2024 23:59:59|ib'er|
4|3|Naïef gedacht, maar het werkt.|||docent|67
END DATA.

STRING lang (A600).
COMPUTE lang = CONCAT(RPAD("begin", 254, "a"), "ë en verder ", RPAD("x", 300, "y"), "einde").
IF (id > 1) lang = "kort".

VARIABLE LABELS
  id "Respondentnummer"
  vertrouwen_gemeente "Ik vertrouw erop dat de gemeente naar praktijkmensen luistert"
  toelichting "Toelichting (open antwoord)"
  datum "Datum van invullen"
  tijdstip "Tijdstip van invullen"
  rol "Rol in de school"
  leeftijd "Leeftijd"
  lang "Lang open antwoord".

VALUE LABELS vertrouwen_gemeente
  1 "Helemaal mee oneens"
  2 "Mee oneens"
  3 "Neutraal"
  4 "Mee eens"
  5 "Helemaal mee eens"
  9 "Weet niet / geen antwoord".
VALUE LABELS rol
  "docent" "Docent"
  "ib'er" "Intern begeleider"
  "nvt" "Niet van toepassing".

VALUE LABELS toelichting
  "Naïef gedacht, maar het werkt." "Voorbeeldantwoord met een komma".

MISSING VALUES vertrouwen_gemeente (9).
MISSING VALUES toelichting ("geen").
MISSING VALUES rol ("nvt").
MISSING VALUES leeftijd (LO THRU 0).
VARIABLE LEVEL vertrouwen_gemeente (ORDINAL) /leeftijd (SCALE) /rol (NOMINAL).
FILE LABEL "Veldpeiling onderwijs 2025".
DOCUMENT Testbestand voor veldstem; alle antwoorden zijn verzonnen.
