// Starts `total` fibers (or callbacks) in batches of `batch`: `start(m, onEnd)` starts m of them, each
// calling `onEnd` once it ends; the next batch starts when the whole batch has ended.
export const runBatches = (total, batch, start) =>
  new Promise((resolve) => {
    let left = total
    const next = () => {
      if (left === 0) return resolve()
      const m = Math.min(batch, left)
      left -= m
      let ended = 0
      const onEnd = () => {
        if (++ended === m) next()
      }
      start(m, onEnd)
    }
    next()
  })
