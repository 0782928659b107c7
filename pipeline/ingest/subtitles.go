package ingest

import (
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
)

// This is a small parser of its own rather than go-astisub: astisub stops
// at the first malformed cue (we report them all), cannot read SBV, keeps
// no line numbers, and its handling of dialogue dashes mangles text.

// reStamp is a cue timestamp as the wild writes them: hours optional, old
// Teams exports unpadded ("0:0:0.570"), SRT with a decimal comma.
var reStamp = regexp.MustCompile(`^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$`)

// reVoice is a WebVTT voice span opening: <v Jan Jansen> or <v.loud Jan>.
var reVoice = regexp.MustCompile(`<v(?:\.[^ >]*)?\s+([^>]+)>`)

// reTag is any other cue tag, including inline timestamps <00:17.500>.
var reTag = regexp.MustCompile(`<[^>]*>`)

// parseStamp normalizes a timestamp to HH:MM:SS.mmm.
func parseStamp(s string) (string, bool) {
	m := reStamp.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", false
	}
	h, _ := strconv.Atoi("0" + m[1])
	mi, _ := strconv.Atoi(m[2])
	se, _ := strconv.Atoi(m[3])
	ms := m[4]
	for len(ms) < 3 {
		ms += "0"
	}
	if mi > 59 || se > 59 {
		return "", false
	}
	return fmt.Sprintf("%02d:%02d:%02d.%s", h, mi, se, ms), true
}

// timingLine splits "start --> end [settings]" (VTT, SRT) or "start,end"
// (SBV). isTiming says whether the line is meant as a timing line at all,
// so a malformed one is reported rather than read as text.
func timingLine(line string, sbv bool) (start string, isTiming, ok bool) {
	var a, b string
	if i := strings.Index(line, "-->"); i >= 0 {
		a = line[:i]
		rest := strings.Fields(line[i+3:])
		if len(rest) > 0 {
			b = rest[0]
		}
	} else if sbv {
		p := strings.Split(line, ",")
		if len(p) != 2 || !strings.Contains(p[0], ":") || !strings.Contains(p[1], ":") {
			return "", false, false
		}
		a, b = p[0], p[1]
	} else {
		return "", false, false
	}
	s, ok1 := parseStamp(a)
	_, ok2 := parseStamp(b)
	return s, true, ok1 && ok2
}

// cueText strips cue markup and finds the speaker: a <v Name> voice span
// (Teams) or a "Naam: " prefix (Zoom).
func cueText(lines []string) (speaker, text string) {
	joined := strings.Join(lines, "\n")
	if m := reVoice.FindStringSubmatch(joined); m != nil {
		speaker = strings.TrimSpace(m[1])
	}
	joined = reTag.ReplaceAllString(joined, "")
	joined = html.UnescapeString(joined)
	var parts []string
	for _, l := range strings.Split(joined, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			parts = append(parts, l)
		}
	}
	text = strings.Join(parts, " ")
	if speaker == "" {
		if i := strings.Index(text, ": "); i > 0 && looksLikeSpeaker(text[:i]) {
			speaker, text = text[:i], strings.TrimSpace(text[i+2:])
		}
	}
	return speaker, text
}

// parseSubtitles reads WebVTT, SRT or SBV. Consecutive cues of one speaker
// become one turn positioned at the first cue's start; cues without a
// speaker stay separate. A cue repeating the previous cue's text (rolling
// YouTube captions) is dropped.
func parseSubtitles(text, ext string, probs *problemList) (format string, turns []turn) {
	lines := strings.Split(text, "\n")
	format = strings.TrimPrefix(strings.ToLower(ext), ".")
	first := ""
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			first = strings.TrimSpace(l)
			break
		}
	}
	switch {
	case strings.HasPrefix(first, "WEBVTT"):
		format = "vtt"
	case format != "sbv" && format != "srt":
		if _, isT, _ := timingLine(first, true); isT && !strings.Contains(first, "-->") {
			format = "sbv"
		} else {
			format = "srt"
		}
	}
	sbv := format == "sbv"
	i := 0
	if format == "vtt" {
		// The header block runs to the first blank line (metadata, Style:).
		for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
			i++
		}
	}
	lastText := ""
	for i < len(lines) {
		line := strings.TrimSpace(lines[i])
		if line == "" {
			i++
			continue
		}
		if format == "vtt" && (line == "NOTE" || strings.HasPrefix(line, "NOTE ") || strings.HasPrefix(line, "NOTE\t") || line == "STYLE" || line == "REGION") {
			for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
				i++
			}
			continue
		}
		start, isT, ok := timingLine(line, sbv)
		if !isT && i+1 < len(lines) {
			// A cue identifier line, then the timing.
			if s, t2, ok2 := timingLine(strings.TrimSpace(lines[i+1]), sbv); t2 {
				i++
				line, start, isT, ok = strings.TrimSpace(lines[i]), s, t2, ok2
			}
		}
		if !isT {
			probs.add(i+1, 0, "each cue starts with a timing line like 00:01:23.500 --> 00:01:25.000", "expected a cue timing, found %q", clip(line))
			for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
				i++
			}
			continue
		}
		cueLine := i + 1
		if !ok {
			probs.add(cueLine, 0, "timestamps look like 00:01:23.500 (hours optional)", "bad cue timing %q", clip(line))
		}
		i++
		var body []string
		for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
			if _, t2, _ := timingLine(strings.TrimSpace(lines[i]), sbv); t2 {
				break // a cue with no blank line before it (YouTube)
			}
			body = append(body, lines[i])
			i++
		}
		if !ok {
			continue
		}
		speaker, txt := cueText(body)
		if txt == "" || txt == lastText {
			continue
		}
		lastText = txt
		if n := len(turns); n > 0 && speaker != "" && turns[n-1].speaker == speaker {
			turns[n-1].text += " " + txt
			continue
		}
		turns = append(turns, turn{speaker: speaker, text: txt, pos: start, line: cueLine})
	}
	if len(turns) == 0 && len(probs.list) == 0 {
		probs.add(0, 0, "check that this is a subtitle or caption file", "no cues with text found")
	}
	return format, turns
}

func clip(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}
