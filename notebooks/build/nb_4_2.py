"""4.2 손실 함수 (loss functions)."""
from nbkit import IMPORTS, PREAMBLE, code, md

NAME = "4.2-loss-functions.ipynb"

CELLS = [
    md("""
    # chapter4 신경망 학습 (neural network learning) — 4.2 손실 함수

    *밑바닥부터 시작하는 딥러닝* 4장을 Rust 로 따라가는 노트북입니다(4.1–4.2). 강의 노트의 Python/NumPy 코드 셀마다
    Rust 셀이 하나씩 대응하고, 노트가 "책 참고"로 남겨 둔 부분(4.2.3 미니배치 학습)은 여기서 직접 풀어 씁니다.
    노트의 코드가 틀린 곳은 ⚠️ 표시와 함께 올바른 동작을 보여 줍니다.

    첫 셀은 `dlfs` 크레이트(이 저장소의 `crate/`)를 빌드해서 가져옵니다. 처음에는 1–2분 걸리고,
    evcxr 의 빌드 캐시(`:cache`)가 데워진 뒤에는 십여 초면 끝납니다.
    """),
    code(PREAMBLE + "\n" + IMPORTS + """

// 설정 점검: MNIST 는 4.2.3 에서만 필요합니다. 파일이 있는지 보고, 없으면 무엇을 해야 하는지 알려 줍니다.
match dlfs::mnist::locate(&dlfs::mnist::search_dirs(None)) {
    Ok(_) => println!("dlfs 준비 완료. MNIST 파일 4개를 찾았습니다."),
    Err(e) => println!(
        "dlfs 준비 완료. ⚠️ MNIST 가 없어서 4.2.3 의 셀은 실패합니다 (나머지는 실행됩니다).\n\
         저장소 루트에서 `cargo run --release -p dlfs -- download` 를 실행하거나, MNIST 파일이 있는 디렉터리를\n\
         환경 변수 DLFS_DATA_DIR 로 지정한 뒤 커널을 다시 시작하세요.\n자세히: {e}"
    ),
};"""),
    md("""
    ## 4.1 데이터에서 학습한다! (learning from data)

    ### 4.1.1 데이터 주도 학습 (data-driven learning)

    딥러닝(deep learning)은 종단간 기계학습(end-to-end machine learning)입니다. 사람이 특징(feature)을 설계하지 않고,
    입력 데이터(예: 손글씨 이미지의 픽셀)에서 결과(그 숫자가 무엇인지)까지 신경망이 한 번에 학습합니다.
    학습이란 훈련 데이터(training data)로 가중치 매개변수(weight parameter)의 최적값을 자동으로 찾는 것이고,
    그 길잡이가 되는 지표, 즉 신경망이 "얼마나 나쁜가"를 재는 것이 다음 절의 손실 함수입니다.
    """),
    md("""
    ## 4.2 손실 함수 (loss function)

    손실 함수는 신경망 학습에서 쓰는 지표로, 신경망의 출력 $y$ 가 정답 $t$ 에서 얼마나 먼지를 하나의 수로 나타냅니다.
    값이 **낮을수록 좋습니다**. 흔히 오차제곱합(sum of squares error)과 교차 엔트로피 오차(cross entropy error)를 씁니다.

    > 이름 약속: 강의 노트는 예측을 `y_pred`, 정답을 `y` 라고 부르고, 책과 `dlfs` 는 예측을 `y`, 정답(target)을 `t` 라고 부릅니다.
    > 이 노트북은 책의 이름(`y`, `t`)을 씁니다.
    """),
    md("""
    ### 4.2.1 오차제곱합 (sum of squares error, SSE)

    $$E = \\frac{1}{2}\\sum_k (y_k - t_k)^2$$

    $y_k$ 는 신경망의 출력(여기서는 소프트맥스를 거친 확률), $t_k$ 는 정답 레이블, $k$ 는 차원(클래스) 번호입니다.
    정답만 1 이고 나머지는 0 인 표기를 원-핫 인코딩(one-hot encoding)이라고 합니다.

    노트의 `sum_squares_error` 를 Rust 로 옮기고, 책의 예(정답은 2)에 대해 `dlfs::loss::sum_squares_error` 와 같은 값인지 확인합니다.
    """),
    code("""
    fn sum_squares_error_local(y: &Array1<f64>, t: &Array1<f64>) -> f64 {
        0.5 * (y - t).mapv(|d| d * d).sum()
    }

    let t: Array1<f64> = array![0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]; // 정답은 '2'
    let y: Array1<f64> = array![0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]; // '2'일 확률이 가장 높다고 추정 (0.6)
    let y7: Array1<f64> = array![0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]; // '7'일 확률이 가장 높다고 추정 (0.6)

    let (e2, e7) = (sum_squares_error_local(&y, &t), sum_squares_error_local(&y7, &t));
    assert!((e2 - sum_squares_error(&y, &t)?).abs() < 1e-15);
    assert!((e7 - sum_squares_error(&y7, &t)?).abs() < 1e-15);
    assert!((e2 - sum_squares_error(&y, 2)?).abs() < 1e-15); // dlfs 는 정답을 레이블 번호(2)로 받아도 같은 값
    println!("예 1 ('2'일 확률 0.6, 정답 2): SSE = {e2:?}");
    println!("예 2 ('7'일 확률 0.6, 정답 2): SSE = {e7:?}");
    """),
    md("""
    첫 번째 예의 손실(약 0.0975)이 두 번째(0.5975)보다 작습니다. 오차제곱합 기준으로는 첫 번째 추정이 정답에 더 가깝다는 뜻입니다.
    (0.0975 뒤의 ...0002 는 부동소수점 반올림 오차입니다. NumPy 는 덧셈 순서가 달라 0.09750000000000003 을 출력합니다.)
    """),
    md("""
    ### 4.2.2 교차 엔트로피 오차 (cross entropy error, CEE)

    $$E = -\\sum_k t_k \\log y_k$$

    $\\log$ 는 자연로그입니다. $t$ 가 원-핫이면 정답 클래스의 항 하나만 남아서 $E = -\\log y_{정답}$ 이 됩니다.
    정답의 출력이 1 에 가까울수록 0 에 가까워지고, 0 에 가까울수록 한없이 커집니다(아래 그림, 자연로그 $y = \\log x$).
    $\\log 0 = -\\infty$ 를 막으려고 아주 작은 값 `delta = 1e-7` 을 더합니다.
    """),
    code("""
    dlfs::plot::log_curve()
    """),
    code("""
    fn cross_entropy_error_local(y: &Array1<f64>, t: &Array1<f64>) -> f64 {
        let delta = 1e-7; // log(0) = -inf 방지
        -(t * &y.mapv(|v| (v + delta).ln())).sum()
    }

    let (c2, c7) = (cross_entropy_error_local(&y, &t), cross_entropy_error_local(&y7, &t));
    assert!((c2 - cross_entropy_error(&y, &t)?).abs() < 1e-15);
    assert!((c7 - cross_entropy_error(&y7, &t)?).abs() < 1e-15);
    println!("예 1 ('2'일 확률 0.6, 정답 2): CEE = {c2:?}");
    println!("예 2 ('7'일 확률 0.6, 정답 2): CEE = {c7:?}");
    """),
    md("""
    오차제곱합과 같은 판단입니다: 정답 클래스의 출력이 0.6 인 첫 번째 예의 손실($-\\log 0.6 \\approx 0.51$)이
    0.1 인 두 번째($-\\log 0.1 \\approx 2.30$)보다 작습니다.
    """),
    md("""
    ### 4.2.3 미니배치 학습 (mini-batch learning)

    *(노트: 책 참고 — 여기서 풀어 씁니다.)*

    학습은 **훈련 데이터 전체**에 대한 손실 함수 값을 줄이는 일입니다. 데이터가 $N$ 개라면 교차 엔트로피 오차는

    $$E = -\\frac{1}{N}\\sum_n \\sum_k t_{nk} \\log y_{nk}$$

    처럼 각 데이터의 손실을 모두 더해 $N$ 으로 나눈 **평균 손실**이 됩니다. $N$ 으로 나누어 정규화(normalize)하면
    데이터 수와 상관없이 같은 척도로 비교할 수 있습니다.

    그런데 MNIST 의 훈련 데이터는 60,000 장입니다. 매개변수를 한 번 갱신할 때마다 60,000 장 전부의 손실을 계산하는 것은
    너무 오래 걸립니다(빅데이터라면 수백만, 수천만 장). 그래서 훈련 데이터 중 일부를 **무작위로** 뽑아, 그 일부의 손실을
    전체의 근사치로 씁니다. 이 일부를 **미니배치(mini-batch)**, 이렇게 배우는 방법을 **미니배치 학습**이라고 합니다.
    전국의 시청률을 몇천 가구만 조사해서 추정하는 것과 같은 발상입니다.

    먼저 MNIST 를 읽습니다. `load_mnist(normalize, flatten, one_hot_label)` 은 책의 함수와 같은 인수를 받습니다:
    픽셀을 0–1 로 정규화하고, 28×28 이미지를 784 개 원소의 1차원 배열로 펴고, 레이블을 원-핫으로 받습니다.
    """),
    code("""
    let mnist = load_mnist(true, true, true)?; // (normalize, flatten, one_hot_label)
    let t_shape = match &mnist.t_train {
        Labels::OneHot(t) => t.shape().to_vec(),
        Labels::Class(t) => t.shape().to_vec(),
    };
    println!("x_train.shape = ({}, {})", mnist.x_train.shape()[0], mnist.x_train.shape()[1]); // 훈련 이미지
    println!("t_train.shape = ({}, {})", t_shape[0], t_shape[1]); // 원-핫 레이블
    println!("x_test.shape  = ({}, {})", mnist.x_test.shape()[0], mnist.x_test.shape()[1]);
"""),
    md("""
    이 훈련 데이터에서 10 장을 무작위로 뽑습니다. 책의 `np.random.choice(train_size, batch_size)` 에 해당하는 것이
    `random_choice(&mut rng, train_size, batch_size)` 입니다. 0 이상 `train_size` 미만의 수를 `batch_size` 개 뽑아 주고,
    그 번호를 인덱스로 써서 미니배치를 꺼냅니다. 난수 생성기는 시드(seed)를 고정해서(`rng(0)`), 다시 실행해도 같은 10 장이 뽑힙니다.
    """),
    code("""
    let train_size = mnist.x_train.shape()[0];
    let batch_size = 10;
    let batch_mask: Vec<usize> = random_choice(&mut rng(0), train_size, batch_size)?;
    let x_batch: Array2<f64> = mnist.x_train.select(Axis(0), &batch_mask).into_dimensionality()?;
    let t_batch: Labels = mnist.t_train.select(&batch_mask); // 원-핫 행 10개
    println!("batch_mask = {batch_mask:?}");
    println!("x_batch.shape = {:?}, t_batch: 원-핫 {} 행", x_batch.shape(), t_batch.len());
    let labels: Vec<usize> = t_batch.classes(); // 원-핫 행마다 argmax
    println!("정답 레이블 = {labels:?}");
"""),
    md("뽑힌 10 장과 그 정답입니다."),
    code("""
    dlfs::plot::digits(x_batch.view(), &labels, None, 10)
    """),
    md("""
    ### 4.2.4 (배치용) 교차 엔트로피 오차 구현하기 (cross entropy error for a batch)

    미니배치처럼 여러 데이터를 한꺼번에 받는 교차 엔트로피 오차입니다. 출력 `y` 가 (배치 크기 × 클래스 수) 행렬이고,
    손실은 배치의 평균입니다. 정답이 **원-핫**일 때와 **레이블 번호**(예: `[2, 7, 0, ...]`)일 때 두 가지가 있습니다.
    레이블 번호라면 각 행에서 정답 클래스의 출력 `y[n, t_n]` 만 꺼내면 됩니다(원-핫의 0 인 항은 어차피 곱해서 0 이므로).

    노트의 두 함수를 Rust 로 옮기고 `dlfs::loss::cross_entropy_error` 와 비교합니다. `dlfs` 는 정답의 **타입**으로
    두 경우를 구별합니다: `f64` 배열이면 원-핫, `usize` 이면 레이블.
    """),
    code("""
    // 정답이 원-핫일 때 (노트의 cross_entropy_error1)
    fn cross_entropy_error_onehot(y: &Array2<f64>, t: &Array2<f64>) -> f64 {
        let batch_size = y.nrows() as f64;
        -(t * &y.mapv(|v| (v + 1e-7).ln())).sum() / batch_size
    }
    // 정답이 레이블 번호일 때 (노트의 cross_entropy_error2): y[n, t[n]] 만 쓴다
    fn cross_entropy_error_labels(y: &Array2<f64>, t: &[usize]) -> f64 {
        let batch_size = y.nrows() as f64;
        -t.iter().enumerate().map(|(n, &k)| (y[[n, k]] + 1e-7).ln()).sum::<f64>() / batch_size
    }

    // 책의 두 예를 배치 하나로: 1행은 y (정답 2에 0.6), 2행은 y7 (정답 2에 0.1)
    let y_batch: Array2<f64> = array![[0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0],
                                      [0.1, 0.05, 0.1, 0.0, 0.05, 0.1, 0.0, 0.6, 0.0, 0.0]];
    let t_onehot: Array2<f64> = one_hot(&[2, 2], 10)?;
    let t_labels: Vec<usize> = vec![2, 2];

    let e_onehot = cross_entropy_error_onehot(&y_batch, &t_onehot);
    let e_labels = cross_entropy_error_labels(&y_batch, &t_labels);
    assert!((e_onehot - cross_entropy_error(&y_batch, &t_onehot)?).abs() < 1e-15);
    assert!((e_labels - cross_entropy_error(&y_batch, &t_labels)?).abs() < 1e-15);
    println!("배치 CEE (원-핫 정답)   = {e_onehot:?}");
    println!("배치 CEE (레이블 정답)  = {e_labels:?}");
    println!("두 예의 평균            = {:?}", (c2 + c7) / 2.0);
    """),
    md("""
    > ⚠️ **노트의 버그**: 노트의 두 함수는 입력이 1차원(데이터 하나)일 때 `y = y.reshape(1, y.size)` 다음에
    > `y_pred = y.reshape(1, y_pred.size)` 라고 씁니다. 예측 `y_pred` 를 **정답 `y` 로 덮어쓰는** 것이죠.
    > 그러면 정답을 자기 자신과 비교해서 $-\\log(1 + 10^{-7}) \\approx -10^{-7}$ 이 나옵니다. 4.4.2 에서 노트가
    > `-9.999999505838704e-08` 이라는, 손실로서는 있을 수 없는 **음수**를 출력한 이유가 이것입니다.
    > 올바른 코드는 `y_pred = y_pred.reshape(1, y_pred.size)` 입니다.

    아래 셀은 노트의 코드를 그대로 옮긴 것(버그 포함)과 `dlfs` 를 같은 데이터 하나(책의 예 1)에 적용합니다.
    """),
    code("""
    // 노트 그대로: 1차원이면 y_pred 자리에 정답 t 가 들어간다 (버그)
    fn cross_entropy_error_notes(_y_pred: &Array1<f64>, t: &Array1<f64>) -> f64 { // 예측 인수가 쓰이지 않는다!
        let t2 = t.clone().insert_axis(Axis(0));
        let y_pred2 = t.clone().insert_axis(Axis(0)); // ← y_pred.reshape 가 아니라 y.reshape
        let batch_size = y_pred2.nrows() as f64;
        -(&t2 * &y_pred2.mapv(|v| (v + 1e-7).ln())).sum() / batch_size
    }
    let buggy = cross_entropy_error_notes(&y, &t);
    let right = cross_entropy_error(&y, &t)?;
    println!("노트의 코드 (버그): {buggy:?}");
    println!("dlfs             : {right:?}");
    """),
    md("""
    `dlfs` 는 1차원 입력을 행 하나짜리 배치로 보고(예측은 예측대로), 예측이 확률(0–1)이 아니거나 정답 행이 원-핫이 아니면
    오류를 돌려줍니다. 또 $\\log(\\min(y + 10^{-7}, 1))$ 을 써서, 확실히 맞힌 경우($y = 1$)에도 손실이 음수가 되지 않고 정확히 0 이 됩니다.
    """),
    md("""
    ### 4.2.5 왜 손실 함수를 설정하는가? (why use a loss function?)

    우리가 정말 원하는 것은 높은 **정확도(accuracy)** 인데, 왜 굳이 손실 함수를 지표로 삼을까요?

    신경망 학습에서는 매개변수를 최적화할 때 **미분(derivative)**, 정확히는 매개변수에 대한 손실 함수의 기울기를 씁니다.
    매개변수를 아주 조금 바꿨을 때 손실이 어떻게 변하는지를 보고, 손실이 줄어드는 쪽으로 매개변수를 옮기는 것이죠.

    정확도를 지표로 삼으면 이 미분이 거의 모든 곳에서 **0** 이 됩니다. 100 장 중 32 장을 맞히는 신경망의 가중치를 조금 바꿔도
    맞히는 개수는 32 장 그대로이고, 바뀌더라도 33 장, 34 장처럼 **불연속적으로** 뜁니다. 계단 함수(step function)의 미분이
    거의 모든 곳에서 0 이라 활성화 함수로 쓰지 않는 것과 같은 이유입니다. 반면 손실 함수는 매개변수의 작은 변화에 **연속적으로** 반응합니다.

    아래 셀에서 한 데이터의 정답 클래스 점수(score)를 조금씩 올려 봅니다. 정답 점수가 아직 최대가 아니므로 정확도는 0.5 그대로인데, 손실은 매번 줄어듭니다.
    """),
    code("""
    let scores: Array2<f64> = array![[0.3, 2.9, 4.0], [1.0, 0.5, 0.2]]; // 두 데이터의 점수, 정답은 [2, 1]
    let answers: Vec<usize> = vec![2, 1]; // 첫 번째는 맞히고(4.0 이 최대), 두 번째는 틀린다(1.0 이 최대)
    for step in 0..4 {
        let mut s = scores.clone();
        s[[1, 1]] += 0.1 * step as f64; // 두 번째 데이터의 정답 점수를 조금씩 올린다
        let probs = softmax(&s);
        let right = (0..2).filter(|&n| argmax(probs.row(n).iter()) == answers[n]).count();
        let acc = right as f64 / 2.0;
        println!("점수 +{:.1}: 정확도 = {acc:.2}, 손실 = {:.6}", 0.1 * step as f64, cross_entropy_error(&probs, &answers)?);
    };
    """),
]
