package ingest

import (
	"regexp"
	"strings"
)

// Survey export dialects, reported in FileInfo.Format.
const (
	dialectGeneric         = "generic"
	dialectQualtrics       = "qualtrics"
	dialectQualtricsLegacy = "qualtrics-legacy"
	dialectSurveyMonkey    = "surveymonkey"
	dialectLimeSurvey      = "limesurvey"
	dialectGoogleForms     = "googleforms"
)

// Column roles reported in Column.Role.
const (
	roleID        = "id"
	roleText      = "text"
	roleAttribute = "attribute"
	roleLikert    = "likert"
	roleWeight    = "weight"
	rolePersonal  = "personal"
	roleMetadata  = "metadata"
	roleOther     = "other"
)

// systemColumns lists, per dialect, the columns the survey tool adds itself
// (lower case). They are skipped unless config maps them; personal ones
// (IP address, recipient, location, e-mail) are never stored at all.
var systemColumns = map[string]map[string]string{
	dialectQualtrics: {
		"startdate": roleMetadata, "enddate": roleMetadata, "status": roleMetadata,
		"progress": roleMetadata, "duration (in seconds)": roleMetadata, "duration": roleMetadata,
		"finished": roleMetadata, "recordeddate": roleMetadata, "externalreference": roleMetadata,
		"distributionchannel": roleMetadata, "userlanguage": roleMetadata, "responseid": roleID,
		"ipaddress": rolePersonal, "recipientlastname": rolePersonal, "recipientfirstname": rolePersonal,
		"recipientemail": rolePersonal, "locationlatitude": rolePersonal, "locationlongitude": rolePersonal,
		"locationaccuracy": rolePersonal,
	},
	// Legacy exports name columns V1..V10; the second header row says what
	// they are, so these keys are matched against labels as well.
	dialectQualtricsLegacy: {
		"responseid": roleID, "responseset": roleMetadata, "externaldatareference": roleMetadata,
		"status": roleMetadata, "startdate": roleMetadata, "enddate": roleMetadata, "finished": roleMetadata,
		"name": rolePersonal, "emailaddress": rolePersonal, "ipaddress": rolePersonal,
		"locationlatitude": rolePersonal, "locationlongitude": rolePersonal, "locationaccuracy": rolePersonal,
	},
	dialectSurveyMonkey: {
		"respondent id": roleID, "collector id": roleMetadata, "start date": roleMetadata,
		"end date": roleMetadata, "custom data 1": roleMetadata, "custom data": roleMetadata,
		"ip address": rolePersonal, "email address": rolePersonal, "first name": rolePersonal,
		"last name": rolePersonal,
	},
	dialectLimeSurvey: {
		"id": roleID, "response id": roleID, "antwoord id": roleID,
		"submitdate": roleMetadata, "lastpage": roleMetadata, "startlanguage": roleMetadata,
		"seed": roleMetadata, "startdate": roleMetadata, "datestamp": roleMetadata, "refurl": roleMetadata,
		"date submitted": roleMetadata, "last page": roleMetadata, "start language": roleMetadata,
		"date started": roleMetadata, "date last action": roleMetadata, "referrer url": roleMetadata,
		"datum verstuurd": roleMetadata, "laatste pagina": roleMetadata, "starttaal": roleMetadata,
		"token": rolePersonal, "ipaddr": rolePersonal, "ip address": rolePersonal, "ip-adres": rolePersonal,
	},
	dialectGoogleForms: {
		"timestamp": roleMetadata, "tijdstempel": roleMetadata, "score": roleMetadata,
		"totaalscore": roleMetadata, "total score": roleMetadata,
		"email address": rolePersonal, "e-mailadres": rolePersonal, "e-mail address": rolePersonal,
	},
}

// limeCode matches LimeSurvey question codes: G01Q03, Q3[SQ001], Q5[other].
var limeCode = regexp.MustCompile(`^(G\d+Q\d+|[A-Za-z][A-Za-z0-9_]*\[[A-Za-z0-9_]+\])$`)

func lowerTrim(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// detectDialect recognises a survey tool by the first rows of its export.
func detectDialect(rows [][]string) string {
	row := func(i int) []string {
		if i < len(rows) {
			return rows[i]
		}
		return nil
	}
	has := func(cells []string, names ...string) bool {
		for _, c := range cells {
			c = lowerTrim(c)
			for _, n := range names {
				if c == n {
					return true
				}
			}
		}
		return false
	}
	for _, c := range row(2) {
		if strings.HasPrefix(strings.TrimSpace(c), `{"ImportId"`) {
			return dialectQualtrics
		}
	}
	h := row(0)
	if len(h) > 0 && strings.TrimSpace(h[0]) == "V1" && has(row(1), "responseid") {
		return dialectQualtricsLegacy
	}
	if has(h, "startdate") && has(h, "responseid") {
		return dialectQualtrics
	}
	if has(h, "respondent id") && has(row(1), "response", "open-ended response") {
		return dialectSurveyMonkey
	}
	if len(h) > 0 && has(h[:1], "timestamp", "tijdstempel") {
		return dialectGoogleForms
	}
	if has(h, "submitdate", "lastpage", "startlanguage", "date submitted", "last page", "datum verstuurd", "laatste pagina") {
		return dialectLimeSurvey
	}
	for _, c := range h {
		if limeCode.MatchString(strings.TrimSpace(c)) {
			return dialectLimeSurvey
		}
	}
	return dialectGeneric
}

// headerRowCount is how many rows a dialect's header takes.
func headerRowCount(dialect string) int {
	switch dialect {
	case dialectQualtrics:
		return 3
	case dialectQualtricsLegacy, dialectSurveyMonkey:
		return 2
	}
	return 1
}

// table is a survey export after its header has been understood: the
// columns, which of them the survey tool added, and the data rows.
type table struct {
	dialect    string
	headerRows int
	columns    []Column
	system     []string // role from systemColumns, "" for questions
	rows       []record
	where      string // "line", "row" or "case": how Position names a record
	headerLine int    // line of the first header row, for problems about columns
}

// buildTable splits header rows from data rows. forced is a dialect from
// Source.Format, or "" to detect one.
func buildTable(recs []record, forced, where string) *table {
	rows := make([][]string, 0, 3)
	for i := 0; i < len(recs) && i < 3; i++ {
		rows = append(rows, recs[i].cells)
	}
	d := forced
	if d == "" {
		d = detectDialect(rows)
	} else if d == dialectQualtrics && detectDialect(rows) == dialectQualtricsLegacy {
		d = dialectQualtricsLegacy
	}
	t := &table{dialect: d, headerRows: headerRowCount(d), where: where}
	if len(recs) == 0 {
		return t
	}
	t.headerLine = recs[0].line
	if t.headerRows > len(recs) {
		t.headerRows = len(recs)
	}
	names := recs[0].cells
	var labels []string
	if t.headerRows >= 2 {
		labels = recs[1].cells
	}
	t.rows = recs[t.headerRows:]
	sys := systemColumns[d]
	question := ""
	for i, n := range names {
		n = strings.TrimSpace(n)
		c := Column{Name: n}
		if i < len(labels) {
			c.Label = strings.TrimSpace(labels[i])
		}
		switch d {
		case dialectSurveyMonkey:
			// SurveyMonkey names a question once, above its first
			// sub-column; the sub-columns below it are left blank.
			if n != "" {
				question = n
			}
			sub := c.Label
			c.Label = question
			// "Response" and "Open-Ended Response" mark a question's only
			// answer column; option columns get "question - option".
			if sub == "" || strings.EqualFold(sub, "Response") || strings.EqualFold(sub, "Open-Ended Response") {
				c.Name = question
			} else {
				c.Name = question + " - " + sub
			}
		case dialectGoogleForms:
			c.Label = n
		}
		role := sys[lowerTrim(c.Name)]
		if role == "" && d == dialectQualtricsLegacy {
			role = sys[lowerTrim(c.Label)]
		}
		if c.Name == "" {
			c.Name = columnLetter(i)
		}
		t.columns = append(t.columns, c)
		t.system = append(t.system, role)
	}
	return t
}

// columnLetter names an unnamed column the way a spreadsheet does (A, B,
// ..., AA), so the user can find it.
func columnLetter(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}
