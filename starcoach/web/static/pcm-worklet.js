// starcoach: copy the microphone's samples (mono, the context's rate) to the page, as they come.
// The page batches them and sends them to the server over the WebSocket.
class PcmTap extends AudioWorkletProcessor {
  process(inputs) {
    const input = inputs[0];
    if (input && input.length) {
      const first = input[0];
      if (input.length === 1) {
        this.port.postMessage(first.slice(0));
      } else {  // mix channels down to mono
        const mono = new Float32Array(first.length);
        for (let c = 0; c < input.length; c++) {
          const ch = input[c];
          for (let i = 0; i < ch.length; i++) { mono[i] += ch[i] / input.length; }
        }
        this.port.postMessage(mono);
      }
    }
    return true;
  }
}
registerProcessor("pcm-tap", PcmTap);
