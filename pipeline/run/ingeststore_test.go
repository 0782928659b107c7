package run

import (
	"context"
	"os"
	"testing"

	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/privacy"
	"github.com/veldstem/veldstem/pipeline/store"
)

// BenchmarkIngestStorePhase runs only the ingest+store phase of Run on the
// corpus whose config is in VS_PHASE_CONFIG, so its peak RSS and time
// can be measured apart from coding, analysis and reports:
//
//	go test -c -o /tmp/runtest ./pipeline/run
//	VS_PHASE_CONFIG=/tmp/c200k/config.yaml /usr/bin/time -v /tmp/runtest -test.run '^$' -test.bench IngestStorePhase -test.benchtime 1x
func BenchmarkIngestStorePhase(b *testing.B) {
	path := os.Getenv("VS_PHASE_CONFIG")
	if path == "" {
		b.Skip("set VS_PHASE_CONFIG to a corpus config to measure the ingest+store phase")
	}
	for i := 0; i < b.N; i++ {
		ingestStorePhase(b, path)
	}
}

func ingestStorePhase(t testing.TB, path string) {
	ctx := context.Background()
	cfg, err := config.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pz, err := privacy.New(privacy.Options{KeyFile: cfg.Privacy.KeyFile, Names: cfg.Privacy.Names, NamesFile: cfg.Privacy.NamesFile})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{}.withDefaults()
	plan, err := planFiles(ctx, cfg, st, true)
	if err != nil {
		t.Fatal(err)
	}
	sum := &Summary{}
	if err := ingestFiles(ctx, cfg, st, plan, pz, nil, sum, opts); err != nil {
		t.Fatal(err)
	}
	t.Logf("files: %d read", len(plan.toRead))
}
