package ingest

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"

	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/study"
)

// turn is one speaker turn of a transcript before it is assigned to a
// respondent. pos is the timestamp, or "line N" / "paragraph N".
type turn struct {
	speaker string
	text    string
	pos     string
	line    int
}

// defaultInterviewers are speaker labels taken for the interviewer when
// Source.Interviewer is empty.
var defaultInterviewers = []string{"Interviewer", "I", "Int", "Interviewster", "Moderator"}

var (
	// [00:01:23] Naam: tekst
	reBracketTime = regexp.MustCompile(`^\[(\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)\]\s*(.*)$`)
	// Naam (00:01:23): tekst
	reNameTime = regexp.MustCompile(`^([^():]{1,60}?)\s*\((\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)\)\s*:\s*(.*)$`)
	// **Naam:** tekst, **Naam**: tekst, Naam: tekst
	reLabel = regexp.MustCompile(`^(?:\*\*([^*:]{1,60}):\*\*|\*\*([^*:]{1,60})\*\*:|([^:*]{1,60}):)\s*(.*)$`)
)

// nameParticles may appear in lower case inside a speaker's name.
var nameParticles = map[string]bool{"van": true, "de": true, "der": true, "den": true, "het": true, "ter": true, "ten": true, "te": true, "in": true, "'t": true, "op": true, "von": true, "la": true, "le": true, "du": true, "da": true}

// headerKeys are "Key: value" lines transcribers put above an interview;
// they are not speakers.
var headerKeys = map[string]bool{"datum": true, "date": true, "locatie": true, "location": true, "plaats": true, "tijd": true, "time": true, "duur": true, "duration": true, "onderwerp": true, "subject": true, "titel": true, "title": true, "deelnemers": true, "participants": true, "project": true, "transcript": true, "transcriptie": true, "opname": true, "bestand": true, "file": true}

// looksLikeSpeaker tells a speaker label from a sentence that happens to
// contain a colon ("Wat ik bedoel: ..."): at most four words, no sentence
// punctuation, starting with a capital or digit-free code like "R1", every
// further word capitalised or a name particle.
func looksLikeSpeaker(label string) bool {
	label = strings.TrimSpace(label)
	if label == "" || strings.ContainsAny(label, ".,;!?\"“”()[]") {
		return false
	}
	words := strings.Fields(label)
	if len(words) > 4 {
		return false
	}
	for i, w := range words {
		first := []rune(w)[0]
		if i == 0 && !unicode.IsUpper(first) {
			return false
		}
		if i > 0 && !unicode.IsUpper(first) && !unicode.IsDigit(first) && !nameParticles[strings.ToLower(w)] {
			return false
		}
	}
	return !headerKeys[strings.ToLower(label)]
}

// splitSpeaker recognises a speaker label at the start of a line.
func splitSpeaker(line string) (speaker, stamp, rest string, ok bool) {
	s := strings.TrimSpace(line)
	s = strings.TrimLeft(s, "-*> ")
	if strings.HasPrefix(strings.TrimSpace(line), "**") {
		s = strings.TrimSpace(line)
	}
	if m := reBracketTime.FindStringSubmatch(s); m != nil {
		stamp, s = m[1], m[2]
		if sp, _, r, ok := splitSpeaker(s); ok {
			return sp, stamp, r, true
		}
		return "", stamp, s, false
	}
	if m := reNameTime.FindStringSubmatch(s); m != nil && looksLikeSpeaker(strings.Trim(m[1], "* ")) {
		return strings.Trim(m[1], "* "), m[2], m[3], true
	}
	if m := reLabel.FindStringSubmatch(s); m != nil {
		name := m[1] + m[2] + m[3]
		if looksLikeSpeaker(name) {
			return strings.TrimSpace(name), "", strings.TrimSpace(m[4]), true
		}
	}
	return "", "", "", false
}

// parseTextTurns reads a plain-text, Markdown or Word transcript: a line
// starting with a speaker label opens a turn, other lines continue the last
// one. where names the line unit ("line" or "paragraph") for Position.
func parseTextTurns(text, where string, probs *problemList) []turn {
	var turns []turn
	lines := strings.Split(text, "\n")
	pendingStamp := ""
	for i, raw := range lines {
		n := i + 1
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") || line == "---" {
			continue
		}
		sp, stamp, rest, ok := splitSpeaker(line)
		if !ok && stamp != "" && rest == "" {
			pendingStamp = stamp
			continue
		}
		if ok {
			if stamp == "" {
				stamp = pendingStamp
			}
			pendingStamp = ""
			pos := stamp
			if pos == "" {
				pos = fmt.Sprintf("%s %d", where, n)
			}
			turns = append(turns, turn{speaker: sp, text: rest, pos: pos, line: n})
			continue
		}
		if len(turns) == 0 {
			continue // title or notes above the first speaker
		}
		t := &turns[len(turns)-1]
		if t.text == "" {
			t.text = line
		} else {
			t.text += "\n" + line
		}
	}
	if len(turns) == 0 {
		probs.add(0, 0, `start each turn with a speaker label such as "Interviewer:" or "R:"`, "no speaker turns found")
	}
	return turns
}

// transcriptRespondents assigns turns to respondents and makes the units.
func transcriptRespondents(turns []turn, path string, src config.Source, info *FileInfo, probs *problemList) []respondentUnits {
	kept := turns[:0:0]
	for _, t := range turns {
		if strings.TrimSpace(t.text) != "" {
			kept = append(kept, t)
		}
	}
	turns = kept
	interviewers := src.Interviewer
	if len(interviewers) == 0 {
		interviewers = defaultInterviewers
	}
	isInt := map[string]bool{}
	for _, s := range interviewers {
		isInt[lowerTrim(s)] = true
	}
	base := filepath.Base(path)
	fileID := strings.TrimSuffix(base, filepath.Ext(base))
	var parts *Participants
	if src.Participants != "" {
		p := src.Participants
		if !filepath.IsAbs(p) {
			if _, err := statFile(p); err != nil {
				p = filepath.Join(filepath.Dir(path), p)
			}
		}
		var err error
		parts, err = LoadParticipants(p)
		if err != nil {
			if ps, ok := err.(Problems); ok {
				probs.list = append(probs.list, ps...)
			} else {
				probs.add(0, 0, "check participants in the source's config", "cannot read participants file: %v", err)
			}
			return nil
		}
	}
	// Speakers in order of first turn.
	counts := map[string]int{}
	var order []string
	for _, t := range turns {
		if _, ok := counts[t.speaker]; !ok {
			order = append(order, t.speaker)
		}
		counts[t.speaker]++
	}
	for _, s := range order {
		info.Speakers = append(info.Speakers, SpeakerCount{Speaker: s, Turns: counts[s], Interviewer: isInt[lowerTrim(s)]})
	}
	// Respondent of each turn; interviewer turns take the next answer's.
	respOf := make([]string, len(turns))
	attrs := map[string]map[string]string{}
	unknown := map[string]int{}
	for i, t := range turns {
		if isInt[lowerTrim(t.speaker)] {
			continue
		}
		id := fileID
		if parts != nil {
			p, ok := parts.Lookup(base, t.speaker)
			if !ok {
				if _, seen := unknown[t.speaker]; !seen {
					unknown[t.speaker] = t.line
					probs.add(t.line, 0, fmt.Sprintf("add a row %q to %s, or list the speaker under interviewer", base+","+t.speaker+",<respondent>", src.Participants), "speaker %q is not in the participants file", t.speaker)
				}
				continue
			}
			id = p.Respondent
			attrs[id] = p.Attributes
		}
		respOf[i] = id
	}
	last := ""
	for i := len(turns) - 1; i >= 0; i-- {
		if respOf[i] == "" {
			respOf[i] = last
		} else {
			last = respOf[i]
		}
	}
	last = ""
	for i := range turns {
		if respOf[i] == "" {
			respOf[i] = last
		} else {
			last = respOf[i]
		}
	}
	var out []respondentUnits
	index := map[string]int{}
	for i, t := range turns {
		id := respOf[i]
		if id == "" {
			id = fileID // only interviewer turns in the file
		}
		k, ok := index[id]
		if !ok {
			k = len(out)
			index[id] = k
			out = append(out, respondentUnits{r: study.Respondent{ID: id, Source: src.Name, File: path, Wave: src.Wave, Attributes: attrs[id]}})
		}
		u := study.Unit{Source: src.Name, File: path, Respondent: id, Speaker: t.speaker, Position: t.pos, Seq: i + 1, Text: t.text, Context: isInt[lowerTrim(t.speaker)]}
		u.ID = study.MakeUnitID(u)
		out[k].units = append(out[k].units, u)
	}
	if len(out) == 0 && len(turns) == 0 {
		return nil
	}
	info.Respondents = len(out)
	for _, r := range out {
		info.Units += len(r.units)
	}
	return out
}
