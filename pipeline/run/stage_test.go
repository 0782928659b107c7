package run

import (
	"context"
	"os"
	"testing"

	"github.com/veldstem/veldstem/pipeline/config"
)

// BenchmarkReportStage runs Run on the corpus whose config is in
// VS_STAGE_CONFIG (already run once, so nothing is read or coded) after
// deleting its reports and report cache: the analysis+report stage alone,
// for time and CPU profiles:
//
//	go test -c -o /tmp/runtest ./pipeline/run
//	VS_STAGE_CONFIG=/tmp/c200k/config.yaml /tmp/runtest -test.run '^$' -test.bench ReportStage -test.benchtime 1x -test.cpuprofile cpu.out
//
// With VS_STAGE_KEEP=1 the reports stay (only the cache file is deleted),
// as after a run that added new files.
func BenchmarkReportStage(b *testing.B) {
	path := os.Getenv("VS_STAGE_CONFIG")
	if path == "" {
		b.Skip("set VS_STAGE_CONFIG to a corpus config that has been run once")
	}
	cfg, err := config.Load(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if os.Getenv("VS_STAGE_KEEP") == "" {
			os.RemoveAll(cfg.Output.Dir)
		}
		os.Remove(reportCachePath(cfg))
		b.StartTimer()
		if _, err := Run(context.Background(), cfg, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
