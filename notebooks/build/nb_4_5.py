"""4.5 학습 알고리즘 구현하기 (implementing the training algorithm)."""
from nbkit import IMPORTS, PREAMBLE, code, md

NAME = "4.5-learning-algorithm.ipynb"

CELLS = [
    md("""
    # 4장 신경망 학습 — 4.5 학습 알고리즘 구현하기 (implementing the training algorithm)

    4.2–4.4 에서 손실 함수, 미니배치, 기울기, 경사 하강법을 배웠습니다. 이 노트북은 그것들을 모아 MNIST 손글씨 숫자를 배우는
    2층 신경망을 구현하고 학습시킵니다. 강의 노트가 "책 참고"로 남긴 4.5.2(미니배치 학습)와 4.5.3(시험 데이터로 평가)은
    여기서 풀어 씁니다.

    첫 셀은 `dlfs` 크레이트를 **최적화(`:opt 2`)해서** 빌드합니다(학습이 빨라야 하므로). MNIST 가 필요합니다.
    """),
    code(PREAMBLE + "\n" + IMPORTS + """

// 설정 점검: 이 노트북은 MNIST 가 꼭 필요합니다.
match dlfs::mnist::locate(&dlfs::mnist::search_dirs(None)) {
    Ok(_) => println!("dlfs 준비 완료. MNIST 파일 4개를 찾았습니다."),
    Err(e) => {
        println!(
            "⚠️ MNIST 가 없습니다. 저장소 루트에서 `cargo run --release -p dlfs -- download` 를 실행하거나,\\n\\
             MNIST 파일이 있는 디렉터리를 환경 변수 DLFS_DATA_DIR 로 지정한 뒤 커널을 다시 시작하세요."
        );
        Err::<(), _>(e)?;
    }
};"""),
    md("""
    ## 4.5 학습 알고리즘 구현하기 (implementing the training algorithm)

    **전제**: 신경망에는 적응 가능한 가중치와 편향이 있고, 이것들을 훈련 데이터에 적응하도록 조정하는 과정이 **학습**입니다.
    학습은 다음 네 단계로 이루어집니다.

    1. **1단계 – 미니배치 (mini-batch)**: 훈련 데이터 중 일부를 무작위로 가져옵니다. 이 미니배치의 손실 함수 값을 줄이는 것이 목표입니다.
    2. **2단계 – 기울기 산출 (gradient)**: 미니배치의 손실 함수 값을 줄이기 위해 각 가중치 매개변수의 기울기를 구합니다.
       기울기는 손실 함수의 값을 가장 작게 하는 방향을 제시합니다.
    3. **3단계 – 매개변수 갱신 (update)**: 가중치 매개변수를 기울기 방향으로 아주 조금 갱신합니다.
    4. **4단계 – 반복 (repeat)**: 1–3 단계를 적절히 학습될 때까지 반복합니다.

    데이터를 미니배치로 **무작위로** 골라 경사 하강법을 하므로 이것을 **확률적 경사 하강법(stochastic gradient descent, SGD)** 이라고 합니다.
    """),
    md("""
    ### 4.5.1 2층 신경망 클래스 구현하기 (a two-layer network class)

    은닉층(hidden layer)이 하나인 2층 신경망입니다: 입력 → Affine($W_1$, $b_1$) → 시그모이드(sigmoid) → Affine($W_2$, $b_2$) → 소프트맥스(softmax).
    먼저 노트의 `sigmoid` 를 옮기고 `dlfs::activation::sigmoid` 와 비교합니다.
    """),
    code("""
    fn sigmoid_local(x: &Array2<f64>) -> Array2<f64> {
        x.mapv(|v| 1.0 / (1.0 + (-v).exp()))
    }
    let a: Array2<f64> = array![[-1.0, 0.0, 1.0], [2.0, -3.0, 10.0]];
    assert!((&sigmoid_local(&a) - &sigmoid(&a)).iter().all(|d| d.abs() < 1e-15));
    println!("sigmoid({a:.1}) =\\n{:.6}", sigmoid_local(&a));
    """),
    md("""
    `dlfs::net::TwoLayerNet` 이 노트의 `TwoLayerNet` 클래스입니다. 매개변수는 노트의 딕셔너리 `params['W1']` 대신 구조체 필드
    `net.params.w1` 에 있습니다. 가중치는 `weight_init_std`(0.01) × 표준정규분포 난수(시드 고정)로, 편향은 0 으로 초기화됩니다.

    > ⚠️ **노트의 오타**: 노트의 생성자는 `ouput_size` 라고 씁니다(`output_size` 의 오타). Python 에서는 같은 철자를 일관되게 썼으므로
    > 동작은 하지만, `TwoLayerNet(..., output_size=10)` 처럼 올바른 이름으로 부르면 오류가 납니다. `dlfs` 는 `output_size` 입니다.
    """),
    code("""
    let net = TwoLayerNet::new(784, 100, 10, 0.01)?; // input_size, hidden_size, output_size, weight_init_std
    for (name, p) in net.params.arrays() {
        let shape: Vec<String> = p.shape().iter().map(|n| n.to_string()).collect();
        let shape = if shape.len() == 1 { format!("({},)", shape[0]) } else { format!("({})", shape.join(", ")) };
        println!("{name}.shape = {shape}");
    };
    """),
    md("""
    `predict` 는 입력 `x`(한 행이 이미지 하나)를 받아 각 클래스의 확률을 돌려줍니다. 노트의 코드를 옮긴 것과 크레이트의 것을 비교합니다.
    입력은 노트처럼 무작위 값으로 된 가짜 이미지 100 장입니다(`np.random.rand(100, 784)` 처럼 [0, 1) 균등분포, 시드 고정).
    """),
    code("""
    fn predict_local(p: &Params, x: &Array2<f64>) -> Array2<f64> {
        let a1 = x.dot(&p.w1) + &p.b1;
        let z1 = sigmoid(&a1);
        let a2 = z1.dot(&p.w2) + &p.b2;
        softmax(&a2)
    }
    /// np.random.rand(rows, cols) 대신: [0, 1) 균등분포 난수 행렬 (시드 고정)
    fn rand_matrix(rows: usize, cols: usize, seed: u64) -> dlfs::Result<Array2<f64>> {
        let n = 1usize << 40;
        let v: Vec<f64> = random_choice(&mut rng(seed), n, rows * cols)?.into_iter().map(|i| i as f64 / n as f64).collect();
        Array2::from_shape_vec((rows, cols), v).map_err(|e| dlfs::Error::Shape(e.to_string()))
    }

    let x: Array2<f64> = rand_matrix(100, 784, 0)?; // 더미 입력 100장
    let y: Array2<f64> = net.predict(&x)?;
    assert!((&y - &predict_local(&net.params, &x)).iter().all(|d| d.abs() < 1e-12));
    println!("y.shape = {:?}", y.shape());
    println!("첫 행 = {:.4}  (합 {:.6})", y.row(0), y.row(0).sum());
    """),
    md("""
    `accuracy` 는 예측에서 확률이 가장 큰 클래스(argmax)와 정답을 비교해서 맞힌 비율을 돌려줍니다.

    > ⚠️ **노트의 버그**: 노트의 `accuracy` 는 정답을 `y` 라는 이름으로 받아 `y = np.argmax(y, axis=1)` 로 바꿔 놓고는,
    > 마지막에 `np.sum(y_pred == t)` 라고 정의되지 않은 `t` 와 비교합니다(`NameError`). `y_pred == y` 여야 합니다.
    """),
    code("""
    fn accuracy_local(net: &TwoLayerNet, x: &Array2<f64>, t: &Array2<f64>) -> dlfs::Result<f64> {
        let y = net.predict(x)?;
        let y_class: Vec<usize> = y.rows().into_iter().map(|r| argmax(r.iter())).collect();
        let t_class: Vec<usize> = t.rows().into_iter().map(|r| argmax(r.iter())).collect();
        let right = y_class.iter().zip(&t_class).filter(|(a, b)| a == b).count(); // y_pred == t 가 아니라 정답과 비교
        Ok(right as f64 / x.nrows() as f64)
    }
    let labels: Vec<usize> = random_choice(&mut rng(1), 10, 100)?; // 더미 정답 100개
    let t: Array2<f64> = one_hot(&labels, 10)?;
    fn loss_local(net: &TwoLayerNet, x: &Array2<f64>, t: &Array2<f64>) -> dlfs::Result<f64> {
        let y = net.predict(x)?;
        cross_entropy_error(&y, t)
    }
    let acc = accuracy_local(&net, &x, &t)?;
    assert_eq!(acc, net.accuracy(&x, &t)?);
    assert!((loss_local(&net, &x, &t)? - net.loss(&x, &t)?).abs() < 1e-12);
    println!("학습 전 정확도 (무작위 입력, 무작위 정답) = {acc}");
    """),
    md("""
    > ⚠️ **노트의 버그**: 노트는 기울기를 구할 때 정답으로 `y = np.random.rand(100, 10)`, 즉 0–1 의 무작위 수를 씁니다.
    > 이것은 원-핫도 아니고 각 행의 합이 1 인 확률 분포도 아니어서 교차 엔트로피 오차의 정답이 될 수 없습니다(계산은 되지만 의미가 없습니다).
    > `dlfs` 는 이런 정답을 **거부하고** 무엇이 잘못인지 알려 줍니다. 아래에서는 올바른 원-핫 정답(위의 `t`)을 씁니다.
    """),
    code("""
    let y_random: Array2<f64> = rand_matrix(100, 10, 2)?; // 노트의 y = np.random.rand(100, 10)
    match net.loss(&x, &y_random) {
        Ok(loss) => println!("(예상 밖) loss = {loss}"),
        Err(e) => println!("dlfs 가 거부함: {e}"),
    }
    println!("원-핫 정답으로: loss = {:.6}  (무작위 추측이면 약 -ln(1/10) = 2.302585)", net.loss(&x, &t)?);
    """),
    md("""
    #### 수치 미분으로 기울기 구하기 (numerical gradient)

    `numerical_gradient(x, t)` 는 4.4 의 `numerical_gradient` 를 $W_1, b_1, W_2, b_2$ 에 차례로 적용해 기울기를 구합니다. 결과 `grads` 는
    노트의 딕셔너리 `grads['W1']` 처럼 각 매개변수와 같은 형상의 배열을 담습니다(`grads.w1`).

    매개변수가 $784 \\times 100 + 100 + 100 \\times 10 + 10 = 79{,}510$ 개이고, 매개변수 하나마다 손실을 두 번 계산하므로 신경망 전체를
    약 16만 번 통과해야 합니다. 그래서 수치 미분은 느립니다. 책의 NumPy 코드로는 MNIST 배치 100 장, `TwoLayerNet(784, 50, 10)` 에서도
    한 번에 10초 안팎(8.6–14.2초)이 걸리고, 실제 학습에는 5장의 **오차역전파법(backpropagation)** 을 씁니다.

    `dlfs::fast::numerical_gradient` 는 매개변수마다 똑같이 중심 차분 $(L(p+h) - L(p-h)) / 2h$ 를 계산하되, 가중치 하나를 바꿨을 때
    **바뀌는 부분만** 다시 계산합니다(예: $W_1$ 의 $(i, j)$ 원소는 은닉 뉴런 $j$ 에만, 그것도 픽셀 $i$ 가 0 이 아닌 행에만 영향을 줍니다).
    결과는 책의 방식 그대로 계산하는 `TwoLayerNet::numerical_gradient` 와 반올림 오차 이내로 같습니다.

    먼저 노트의 `numerical_gradient` 메서드를 그대로 옮긴 것입니다: 매개변수 배열마다 4.4 의 `numerical_gradient` 를 부르고,
    넘겨받은 값을 신경망의 사본에 넣어 손실을 계산합니다. 이 방식으로 784-100-10 을 계산하면 몇 분이 걸리므로,
    작은 신경망(6-4-3)에서 `dlfs` 의 빠른 판과 같은 값인지만 확인합니다.
    """),
    code("""
    fn numerical_gradient_local(net: &TwoLayerNet, x: &Array2<f64>, t: &Array2<f64>) -> Params {
        let mut work = net.clone(); // 매개변수를 바꿔 가며 손실을 잴 사본 (노트의 loss_W)
        let mut p = net.params.clone();
        let w1 = numerical_gradient(|w: &ArrayView2<f64>| { work.params.w1.assign(w); work.loss(x, t).unwrap_or(f64::NAN) }, &mut p.w1);
        work.params.w1.assign(&net.params.w1);
        let b1 = numerical_gradient(|b: &ArrayView1<f64>| { work.params.b1.assign(b); work.loss(x, t).unwrap_or(f64::NAN) }, &mut p.b1);
        work.params.b1.assign(&net.params.b1);
        let w2 = numerical_gradient(|w: &ArrayView2<f64>| { work.params.w2.assign(w); work.loss(x, t).unwrap_or(f64::NAN) }, &mut p.w2);
        work.params.w2.assign(&net.params.w2);
        let b2 = numerical_gradient(|b: &ArrayView1<f64>| { work.params.b2.assign(b); work.loss(x, t).unwrap_or(f64::NAN) }, &mut p.b2);
        Params { w1, b1, w2, b2 }
    }
    let tiny = TwoLayerNet::with_seed(6, 4, 3, 0.5, 1)?;
    let x_tiny: Array2<f64> = rand_matrix(5, 6, 4)?;
    let t_tiny: Array2<f64> = one_hot(&[0, 1, 2, 1, 0], 3)?;
    let book_way = numerical_gradient_local(&tiny, &x_tiny, &t_tiny);
    let fast_way = dlfs::fast::numerical_gradient(&tiny, &x_tiny, &t_tiny)?;
    for ((name, a), (_, b)) in book_way.arrays().into_iter().zip(fast_way.arrays()) {
        let max_diff = a.iter().zip(b.iter()).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max);
        assert!(max_diff < 1e-9);
        println!("{name}: 노트의 방식과 dlfs 의 차이 최대 {max_diff:.1e}");
    };
    """),
    md("""
    이제 노트의 크기(784-100-10, 입력 100 장)로 `dlfs::fast::numerical_gradient` 를 한 번 재어 봅시다.
    """),
    code("""
    let start = std::time::Instant::now();
    let grads = dlfs::fast::numerical_gradient(&net, &x, &t)?;
    println!("numerical_gradient (784-100-10, 배치 100): {:.2} 초", start.elapsed().as_secs_f64());
    for (name, g) in grads.arrays() {
        println!("grads['{name}'].shape = {:?}, 처음 세 값 = {:.8?}", g.shape(), g.iter().take(3).collect::<Vec<_>>());
    };
    """),
    md("""
    #### 기울기 확인 (gradient check)

    수치 미분은 느리지만 구현이 간단해서 틀리기 어렵습니다. 그래서 오차역전파법처럼 빠르지만 복잡한 구현이 맞는지 확인하는 데 씁니다(책 5.7.3).
    진짜 MNIST 미니배치(100 장)로 두 방법의 기울기를 비교합니다. 이번에는 책의 학습과 같은 `TwoLayerNet(784, 50, 10)` 이고, 수치 미분 시간도 재 봅니다. 매개변수마다 원소별 차이의 최댓값 $\\max|\\Delta|$ 와,
    그것을 그 매개변수 기울기의 최대 크기로 나눈 상대 오차를 출력합니다. 둘이 거의 같다면 역전파 구현이 옳다는 증거입니다.

    상대 오차는 $10^{-6}$ 정도로, 네 매개변수가 거의 같습니다. 이 차이는 대부분 손실 함수의 `delta` 에서 옵니다: 수치 미분은
    $-\log(y + 10^{-7})$ 을 미분하고, 역전파는 $\delta$ 가 없는 $-\log y$ 의 미분($y - t$)을 씁니다. 출력이 $y \approx 0.1$ 이면
    그 비율이 $10^{-7} / 0.1 = 10^{-6}$ 입니다. 구현이 틀렸다면 오차는 이보다 훨씬 큽니다(보통 $10^{-2}$ 이상).
    """),
    code("""
    let mnist = load_mnist(true, true, true)?; // 책처럼 원-핫 레이블
    let check_rows: Vec<usize> = random_choice(&mut rng(3), mnist.x_train.shape()[0], 100)?; // MNIST 미니배치 100장
    let x_check: Array2<f64> = mnist.x_train.select(Axis(0), &check_rows).into_dimensionality()?;
    let t_check: Labels = mnist.t_train.select(&check_rows);
    let check_net = TwoLayerNet::new(784, 50, 10, 0.01)?; // 책의 학습과 같은 크기
    let start = std::time::Instant::now();
    let numerical = dlfs::fast::numerical_gradient(&check_net, &x_check, &t_check)?;
    println!("numerical_gradient (784-50-10, MNIST 배치 100): {:.3} 초", start.elapsed().as_secs_f64());
    let backprop = check_net.gradient(&x_check, &t_check)?;
    for ((name, a), (_, b)) in numerical.arrays().into_iter().zip(backprop.arrays()) {
        let max_diff = a.iter().zip(b.iter()).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max);
        let scale = b.iter().map(|q| q.abs()).fold(0.0, f64::max);
        println!("{name}: max |Δ| = {max_diff:.3e}, 상대 오차 = {:.3e}", max_diff / scale);
    };
    """),
    md("""
    ### 4.5.2 미니배치 학습 구현하기 (mini-batch training)

    *(노트: 책 참고 — 여기서 풀어 씁니다.)*

    이제 MNIST 로 학습합니다. 책의 설정은 다음과 같습니다.

    | 하이퍼파라미터 | 값 |
    | --- | --- |
    | 반복 횟수 `iters_num` | 10,000 |
    | 미니배치 크기 `batch_size` | 100 |
    | 학습률 `learning_rate` | 0.1 |
    | 은닉층 뉴런 수 `hidden_size` | 50 |

    매 반복마다 60,000 장의 훈련 데이터에서 100 장을 무작위로 뽑고(1단계), 그 미니배치에 대한 기울기를 구하고(2단계),
    매개변수를 `param -= learning_rate * grad` 로 갱신합니다(3단계). 그리고 그때의 손실을 기록합니다.
    기울기는 책의 학습 코드처럼 **오차역전파법**(`gradient`)으로 구합니다. 수치 미분과 같은 값(바로 위에서 확인)을 훨씬 빨리 줍니다.

    학습 루프를 직접 써 보면 다음과 같습니다. 여기서는 300 번만 반복해서 손실이 줄어드는 것을 확인하고,
    같은 설정(가중치는 시드 `seed`, 미니배치는 시드 `seed + 1`)으로 `dlfs::train` 을 300 번 돌린 기록과 같은지 비교합니다.
    """),
    code("""
    // (셀 전체를 { } 로 감싸서, 난수 생성기처럼 evcxr 가 셀 사이에 보관하지 못하는 값은 이 셀 안에서만 씁니다.)
    let train_loss_list: Vec<f64> = {
        let (iters_num, batch_size, learning_rate, hidden_size, seed) = (300, 100, 0.1, 50, 42);
        let mut small_net = TwoLayerNet::with_seed(784, hidden_size, 10, 0.01, seed)?;
        let train_size = mnist.x_train.shape()[0];
        let mut batch_rng = rng(seed + 1);
        let mut train_loss_list: Vec<f64> = Vec::new();
        for i in 0..iters_num {
            // 1단계: 미니배치
            let batch_mask = random_choice(&mut batch_rng, train_size, batch_size)?;
            let x_batch = mnist.x_train.select(Axis(0), &batch_mask);
            let t_batch = mnist.t_train.select(&batch_mask);
            // 2단계: 기울기 (오차역전파법)
            let grad = small_net.gradient(&x_batch, &t_batch)?;
            // 3단계: 매개변수 갱신: param -= learning_rate * grad
            let p = &mut small_net.params;
            p.w1.scaled_add(-learning_rate, &grad.w1);
            p.b1.scaled_add(-learning_rate, &grad.b1);
            p.w2.scaled_add(-learning_rate, &grad.w2);
            p.b2.scaled_add(-learning_rate, &grad.b2);
            // 학습 경과 기록
            train_loss_list.push(small_net.loss(&x_batch, &t_batch)?);
            if i % 100 == 0 || i == iters_num - 1 {
                println!("반복 {i:>3}: 미니배치 손실 = {:.4}", train_loss_list[i]);
            }
        }
        // 같은 설정의 dlfs::train 과 비교 (train_with: 에폭 줄을 출력하지 않는 판)
        let settings = TrainSettings { iters_num, batch_size, learning_rate, hidden_size, seed, ..TrainSettings::default() };
        let crate_run = dlfs::train::train_with(&mnist, &settings, |_, _| {})?;
        let max_diff = train_loss_list.iter().zip(&crate_run.history.train_loss).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(crate_run.history.train_loss.len() == iters_num && max_diff < 1e-9);
        println!("dlfs::train 의 손실 기록과의 최대 차이: {max_diff:.1e}");
        train_loss_list
    };
    """),
    md("""
    `dlfs::train::train` 이 이 루프를 책의 설정(`TrainSettings::default()`)대로 끝까지 돌립니다. 60,000 장을 100 장씩 쓰면
    600 번 반복에 훈련 데이터를 한 바퀴 돌게 되는데, 이것을 **1 에폭(epoch)** 이라고 합니다. 10,000 번 반복은 약 16.7 에폭입니다.
    `train` 은 에폭마다(그리고 시작할 때) 훈련 데이터 전체와 시험 데이터 전체의 정확도를 재서 한 줄씩 출력합니다(4.5.3).
    아래 셀은 같은 루프의 빠른 판 `dlfs::fast::train` 을 부릅니다: 이미지를 0 이 아닌 픽셀만 담은 희소 행으로 바이트에서 바로 만들고, 그 픽셀만 두 코어에서 나눠 더해서, 같은 기록을 반올림 오차 이내로 몇 초 만에 냅니다.
    """),
    code("""
    let settings = TrainSettings::default(); // iters_num 10000, batch_size 100, learning_rate 0.1, hidden_size 50
    println!("{settings:?}");
    let raw = RawMnist::load(None)?; // MNIST 의 바이트 그대로
    let trained = dlfs::fast::train(&raw, &settings)?;
    """),
    md("""
    반복마다 기록한 미니배치 손실입니다(책의 그림 4-11). 학습이 진행될수록 손실이 줄어듭니다. 신경망의 가중치가 데이터에 적응하고 있다는 뜻입니다.
    """),
    code("""
    dlfs::plot::loss_curve(&trained.history)
    """),
    md("""
    ### 4.5.3 시험 데이터로 평가하기 (evaluating with test data)

    *(노트: 책 참고 — 여기서 풀어 씁니다.)*

    훈련 데이터의 손실이 줄었다고 해서 다른 데이터에서도 잘 맞힌다는 보장은 없습니다. 훈련 데이터만 외워 버리는 **오버피팅(overfitting)** 일 수
    있기 때문입니다. 신경망 학습의 원래 목표는 **범용 능력(generalization)**, 즉 처음 보는 데이터도 올바르게 인식하는 능력입니다.
    그래서 학습에 쓰지 않은 **시험 데이터(test data)** 로 정확도를 재서 훈련 데이터의 정확도와 비교합니다.

    매 반복마다 재면 시간이 많이 걸리므로, 책처럼 **1 에폭마다** 훈련 데이터 전체와 시험 데이터 전체의 정확도를 기록했습니다(위의 출력).
    그림으로 보면(책의 그림 4-12) 두 정확도가 에폭이 진행될수록 함께 오르고, 두 선 사이에 차이가 거의 없습니다. 오버피팅이 일어나지 않았다는 뜻입니다.
    (오버피팅이 시작되면 훈련 정확도는 계속 오르는데 시험 정확도는 정체되거나 떨어지며 두 선이 벌어집니다. 그 시점에 학습을 멈추는 것이
    조기 종료(early stopping)이고, 6장의 가중치 감소와 드롭아웃도 오버피팅을 막는 방법입니다.)
    """),
    code("""
    dlfs::plot::accuracy_curve(&trained.history)
    """),
    code("""
    let last: EpochRecord = trained.history.epochs.last().cloned().ok_or(dlfs::Error::Empty("기록된 에폭이 없습니다".into()))?;
    println!("에폭 {}: train accuracy: {:.4}", last.epoch, last.train_acc);
    println!("test accuracy: {:.4}", last.test_acc);
    println!("학습 시간: {:.1} 초", trained.history.seconds);
    """),
    md("""
    학습한 신경망이 시험 이미지를 어떻게 분류하는지 봅시다. 각 이미지 아래에 정답을 적었고, 틀린 것은 색 테두리와 함께 "정답, pred 예측" 으로 표시됩니다.
    """),
    code("""
    let n_show = 20;
    let show_rows: Vec<usize> = (0..n_show).collect();
    let x_show: Array2<f64> = mnist.x_test.select(Axis(0), &show_rows).into_dimensionality()?;
    let t_show: Vec<usize> = mnist.t_test.select(&show_rows).classes();
    let pred: Vec<usize> = trained.net.predict(&x_show)?.rows().into_iter().map(|r| argmax(r.iter())).collect();
    dlfs::plot::digits(x_show.view(), &t_show, Some(pred.as_slice()), n_show)
    """),
    md("""
    마지막으로 첫 번째 층의 가중치 $W_1$ 을 봅니다. 은닉 뉴런 하나의 가중치 784 개를 28×28 이미지로 그리면, 그 뉴런이 입력 이미지의 어느 부분에
    반응하도록 학습되었는지 보입니다. 빨간 픽셀은 양의 가중치(그 자리에 잉크가 있으면 뉴런이 더 활성화됨), 파란 픽셀은 음의 가중치입니다.
    학습 전에는 무작위 잡음이었던 가중치가, 숫자의 획 모양을 닮은 패턴으로 바뀌었습니다.
    """),
    code("""
    dlfs::plot::weights(trained.net.params.w1.view())
    """),
]
