import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';

// The lite English model takes ~100 ms and ~10 MB to load: one instance per process (or worker thread).
export const wink = winkNLP(model);
export const its = wink.its;
