package report

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// probe is appended to a copy of report.html in this test only (the report
// itself has no JavaScript): it records page errors and the rendered size
// of every <svg> into attributes that --dump-dom then shows.
const probe = `<script>
window.addEventListener('error', function (e) { document.documentElement.setAttribute('data-errors', (document.documentElement.getAttribute('data-errors') || '') + e.message + ';'); });
(function () {
  var out = [];
  document.querySelectorAll('svg').forEach(function (s) { var r = s.getBoundingClientRect(); out.push((s.id || '?') + ':' + Math.round(r.width) + 'x' + Math.round(r.height)); });
  document.documentElement.setAttribute('data-svgs', out.join(' '));
})();
</script>`

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found; install it (apt-get install -y chromium) to run the browser test")
	return ""
}

func runChromium(t *testing.T, bin string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, errb.String())
	}
	return out.String(), errb.String()
}

func TestReportRendersInChromium(t *testing.T) {
	bin := chromium(t)
	dir, _ := writeFixture(t, "nl", Options{Formats: []string{"html"}})
	page := string(read(t, filepath.Join(dir, "report.html")))
	probed := filepath.Join(dir, "probed.html")
	if err := os.WriteFile(probed, []byte(strings.Replace(page, "</body>", probe+"</body>", 1)), 0o644); err != nil {
		t.Fatal(err)
	}

	dom, stderr := runChromium(t, bin, "--window-size=1280,4000", "--dump-dom", "file://"+probed)
	t.Run("the page logs no console errors", func(t *testing.T) {
		for _, line := range strings.Split(stderr, "\n") {
			if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Uncaught") {
				t.Errorf("console: %s", line)
			}
		}
		if m := regexp.MustCompile(`data-errors="([^"]*)"`).FindStringSubmatch(dom); m != nil {
			t.Errorf("page errors: %s", m[1])
		}
	})
	t.Run("every chart's svg is in the DOM with nonzero size", func(t *testing.T) {
		m := regexp.MustCompile(`data-svgs="([^"]*)"`).FindStringSubmatch(dom)
		if m == nil {
			t.Fatalf("probe did not run; DOM starts %q", dom[:min(200, len(dom))])
		}
		sizes := strings.Fields(m[1])
		if want := strings.Count(page, "<svg "); len(sizes) != want || want == 0 {
			t.Errorf("rendered %d svgs, report has %d", len(sizes), want)
		}
		for _, s := range sizes {
			id, wh, _ := strings.Cut(s, ":")
			w, h, _ := strings.Cut(wh, "x")
			wi, _ := strconv.Atoi(w)
			hi, _ := strconv.Atoi(h)
			if !strings.HasPrefix(id, "chart-") || wi < 200 || hi < 100 {
				t.Errorf("chart %s rendered %sx%s", id, w, h)
			}
		}
	})

	// The screenshot is for a human to look at; set REPORT_SCREENSHOT to keep it.
	shot := os.Getenv("REPORT_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "report.png")
	}
	runChromium(t, bin, "--window-size=1280,4000", "--hide-scrollbars", "--screenshot="+shot, "file://"+filepath.Join(dir, "report.html"))
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 10000 {
		t.Errorf("screenshot missing or empty: %v", err)
	}
}
