//! `optlab trace` with `NAdam`, `RAdam` and Adamax on the reference quadratic: the rows PyTorch
//! 2.15 recorded (tests/data/vectors-torch-public.json of the core, cases `adamax_quad2d`,
//! `nadam_quad2d`, `radam_quad2d`) at updates 1, 6, 7 (`RAdam`'s first rectified update) and 40.

use std::process::Command;

/// An update and torch's (x, y) after it.
type Row = (usize, [f64; 2]);

/// Each optimizer with four of its rows.
const CASES: [(&str, [Row; 4]); 3] = [
    (
        "Adamax(lr: 0.1)",
        [
            (1, [1.900_000_000_235_294_1, -1.599_999_999_333_333_4]),
            (6, [1.463_808_014_874_338_4, -2.022_573_884_932_252_8]),
            (7, [1.389_313_844_019_283_6, -2.091_765_919_786_652_7]),
            (40, [0.652_885_178_884_275_4, -2.475_349_152_343_509_4]),
        ],
    ),
    (
        "NAdam(lr: 0.1)",
        [
            (1, [1.894_354_822_413_038, -1.605_645_177_131_237_7]),
            (6, [1.552_086_456_211_881_2, -1.939_357_576_511_823_4]),
            (7, [1.486_525_042_316_792_2, -2.001_303_178_280_404_7]),
            (40, [0.694_272_037_342_191_6, -2.369_453_730_464_026_6]),
        ],
    ),
    (
        "RAdam(lr: 0.1)",
        [
            (1, [1.575, -1.65]),
            (6, [0.525_110_802_044_659_3, -2.075_136_592_044_556_6]),
            (7, [0.523_620_997_724_985_5, -2.077_483_183_219_429]),
            (40, [0.602_301_581_175_609_3, -2.204_250_044_695_756]),
        ],
    ),
];

#[test]
fn trace_follows_torch_for_nadam_radam_and_adamax() {
    for (optimizer, expected) in CASES {
        let out = Command::new(env!("CARGO_BIN_EXE_optlab"))
            .args([
                "trace",
                "--surface=Quadratic(h: ((3.0, 0.5), (0.5, 1.0)), c: (1.0, -2.0))",
                &format!("--optimizer={optimizer}"),
                "--start=2,-1.5",
                "--steps=40",
            ])
            .output()
            .expect("optlab runs");
        assert!(out.status.success(), "{optimizer}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        let rows: Vec<Vec<f64>> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect())
            .collect();
        assert_eq!(rows.len(), 41, "{optimizer}: the start and 40 updates");
        for (update, [x, y]) in expected {
            let row = &rows[update];
            for (ours, torch) in [(row[1], x), (row[2], y)] {
                let allowed = 1e-10 * torch.abs().max(1.0);
                assert!((ours - torch).abs() <= allowed, "{optimizer} update {update}: {row:?}");
            }
            assert!((row[4] - 0.1).abs() < 1e-15, "the lr column is the group's lr");
        }
    }
}
