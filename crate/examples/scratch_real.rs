use dlfs::train::*;
use std::io::Read;
fn read(path: &str, skip: usize) -> Vec<u8> {
    let f = std::fs::File::open(path).unwrap();
    let mut d = flate2::read::GzDecoder::new(f);
    let mut v = Vec::new();
    d.read_to_end(&mut v).unwrap();
    v[skip..].to_vec()
}
fn main() {
    let dir = "/work/shared/mnist";
    let t0 = std::time::Instant::now();
    let xtr = SparseRows::from_bytes(
        &read(&format!("{dir}/train-images-idx3-ubyte.gz"), 16),
        784,
        true,
    )
    .unwrap();
    let ttr: Vec<usize> = read(&format!("{dir}/train-labels-idx1-ubyte.gz"), 8)
        .iter()
        .map(|&b| b as usize)
        .collect();
    let xte = SparseRows::from_bytes(
        &read(&format!("{dir}/t10k-images-idx3-ubyte.gz"), 16),
        784,
        true,
    )
    .unwrap();
    let tte: Vec<usize> = read(&format!("{dir}/t10k-labels-idx1-ubyte.gz"), 8)
        .iter()
        .map(|&b| b as usize)
        .collect();
    println!("load {:.2}s nnz {}", t0.elapsed().as_secs_f64(), xtr.nnz());
    let data = TrainingData::new(xtr, ttr, xte, tte).unwrap();
    let args: Vec<String> = std::env::args().collect();
    let iters: usize = args.get(1).map(|s| s.parse().unwrap()).unwrap_or(10000);
    let s = TrainSettings {
        iters_num: iters,
        ..Default::default()
    };
    for _ in 0..5 {
        let t = std::time::Instant::now();
        let (tr, te) =
            data.accuracies(&dlfs::net::TwoLayerNet::with_seed(784, 50, 10, 0.01, 1).unwrap());
        println!("one eval {:.3}s {tr} {te}", t.elapsed().as_secs_f64());
    }
    if iters == 0 {
        return;
    }
    let trained = train_prepared(
        &data,
        &s,
        |r, l| println!("{}", epoch_line(r, l)),
        |_, _| {},
    )
    .unwrap();
    println!(
        "seconds {:.3} final {:?}",
        trained.history.seconds,
        trained.final_accuracies(&data)
    );
    let rows: Vec<usize> = (0..100).collect();
    let x = data.x_train.dense_rows(&rows);
    let net = dlfs::net::TwoLayerNet::with_seed(784, 50, 10, 0.01, 42).unwrap();
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let g = net.numerical_gradient(&x, &data.t_train[..100]).unwrap();
        println!(
            "numgrad {:.4}s {}",
            t.elapsed().as_secs_f64(),
            g.w1[[300, 3]]
        );
    }
}
